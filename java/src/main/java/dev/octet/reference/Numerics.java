package dev.octet.reference;

/**
 * Scalar numerics of Octet's quantization, in Java: the definition that liboctet's CPU backend
 * and CUDA kernels (native/src/common/numerics.hpp) reproduce bit for bit.
 */
public final class Numerics {
  /** The largest magnitude of symmetric INT8: values lie in [-127, 127]. */
  public static final float INT8_MAX = 127f;

  private Numerics() {}

  /** scale = absmax / 127 (fp32 division), or 1 when that is 0; absmax must be finite. */
  public static float scaleFromAbsmax(float absmax) {
    float s = absmax / INT8_MAX;
    return s == 0f ? 1f : s;
  }

  /** clamp(round_half_to_even(x / scale), -127, 127), the division in fp32. */
  public static byte quantize(float x, float scale) {
    float q = (float) Math.rint(x / scale);
    return (byte) Math.max(-INT8_MAX, Math.min(INT8_MAX, q));
  }

  /** binary16 bits to float (exact). */
  public static float fp16ToFloat(short bits) {
    return Float.float16ToFloat(bits);
  }

  /** float to binary16 bits, rounded to nearest even. */
  public static short floatToFp16(float f) {
    return Float.floatToFloat16(f);
  }

  /** bfloat16 bits to float (exact). */
  public static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }

  /** float to bfloat16 bits, rounded to nearest even; NaN stays a (quiet) NaN. */
  public static short floatToBf16(float f) {
    int u = Float.floatToRawIntBits(f);
    if ((u & 0x7fffffff) > 0x7f800000) {
      return (short) ((u >>> 16) | 0x0040);
    }
    u += 0x7fff + ((u >>> 16) & 1);
    return (short) (u >>> 16);
  }
}

package dev.octet.quant;

import dev.octet.reference.Numerics;

/**
 * How a tensor is quantized to integers: the one description every layer, observer and
 * checkpoint uses. Built with {@link #weights()} or {@link #activations()}; the record's
 * constructor rejects combinations that make no sense (see {@link #QuantScheme}).
 *
 * <p>The arithmetic, in one place ({@link #params}, {@link #quantize}, {@link #dequantize}):
 *
 * <pre>
 *   symmetric,  range [-127, 127]:  scale = max(|min|, |max|) / 127   (1 when that is 0),  z = 0
 *   asymmetric, range [qmin, qmax]: lo = min(min, 0), hi = max(max, 0)   (0 stays exact)
 *                                   scale = (hi - lo) / (qmax - qmin)    (1 when that is 0)
 *                                   z = clamp(qmin - round(lo / scale), qmin, qmax)
 *   q  = clamp(round_half_even(x / scale) + z, qmin, qmax)
 *   x' = (q - z) * scale
 * </pre>
 *
 * All in fp32, as the kernels do; the symmetric scale is {@link Numerics#scaleFromAbsmax}.
 *
 * @param role what is quantized: weights or activations
 * @param bits integer width; 8
 * @param symmetric zero point 0 (true) or a zero point (activations only)
 * @param granularity which elements share a scale
 * @param groupSize consecutive inputs per scale for {@link Granularity#PER_GROUP}, else 0
 * @param rounding how x / scale becomes an integer
 * @param range the integer range: {@link IntRange#SYMMETRIC} exactly when symmetric
 * @param dynamic scales computed from each batch at run time (activations only), or fixed
 *     ahead of time (static: calibrated activations, and all weights)
 */
public record QuantScheme(
    Role role,
    int bits,
    boolean symmetric,
    Granularity granularity,
    int groupSize,
    Rounding rounding,
    IntRange range,
    boolean dynamic) {

  /** What a scheme quantizes. */
  public enum Role {
    WEIGHTS,
    ACTIVATIONS
  }

  /** Which elements share one scale (and zero point). */
  public enum Granularity {
    /** One scale for the whole tensor. */
    PER_TENSOR,
    /** One per output channel (a weight's row). */
    PER_CHANNEL,
    /** One per token (an activation's row); dynamic activations only. */
    PER_TOKEN,
    /** One per group of {@code groupSize} consecutive inputs of a weight row. */
    PER_GROUP
  }

  /** Rounding of x / scale to an integer. */
  public enum Rounding {
    /** Round half to even (IEEE roundTiesToEven: {@code rint}), on every backend. */
    HALF_EVEN
  }

  /** The integer range of 8-bit codes. */
  public enum IntRange {
    /** [-127, 127]: symmetric, so that -q is always representable. */
    SYMMETRIC(-127, 127),
    /** [-128, 127]: signed int8 with a zero point. */
    SIGNED(-128, 127),
    /** [0, 255]: unsigned uint8 with a zero point. */
    UNSIGNED(0, 255);

    private final int min;
    private final int max;

    IntRange(int min, int max) {
      this.min = min;
      this.max = max;
    }

    public int min() {
      return min;
    }

    public int max() {
      return max;
    }
  }

  /**
   * A scale and zero point: x ~ (q - zeroPoint) * scale.
   *
   * @param scale positive and finite
   * @param zeroPoint 0 for symmetric schemes, else within the scheme's range
   */
  public record Params(float scale, int zeroPoint) {
    public Params {
      if (!(scale > 0) || !Float.isFinite(scale)) {
        throw new IllegalArgumentException("scale is " + scale + "; must be positive and finite");
      }
    }
  }

  /**
   * Validates: bits is 8; a symmetric scheme uses {@link IntRange#SYMMETRIC} and an asymmetric one
   * SIGNED or UNSIGNED; zero points, {@link Granularity#PER_TOKEN} and dynamic scales are for
   * activations only; static activations are per tensor; {@code groupSize} is positive exactly
   * for {@link Granularity#PER_GROUP}.
   */
  public QuantScheme {
    require(role != null, "role is null");
    require(granularity != null, "granularity is null");
    require(rounding != null, "rounding is null");
    require(range != null, "range is null");
    require(bits == 8, "bits is " + bits + "; only 8-bit quantization is supported");
    require(
        symmetric == (range == IntRange.SYMMETRIC),
        (symmetric ? "a symmetric scheme uses the range [-127, 127]" : "an asymmetric scheme uses"
                + " the range [-128, 127] or [0, 255]")
            + "; got " + range);
    require(
        symmetric || role == Role.ACTIVATIONS,
        "asymmetric quantization (a zero point) is for activations only; weights are symmetric");
    require(
        (granularity == Granularity.PER_GROUP) == (groupSize > 0) && groupSize >= 0,
        "groupSize is " + groupSize + "; it must be positive for PER_GROUP and 0 otherwise ("
            + granularity + ")");
    if (role == Role.WEIGHTS) {
      require(!dynamic, "weights are quantized ahead of time: dynamic must be false");
      require(
          granularity != Granularity.PER_TOKEN,
          "PER_TOKEN is an activation granularity; weights use PER_TENSOR, PER_CHANNEL or"
              + " PER_GROUP");
    } else {
      require(
          granularity != Granularity.PER_GROUP && granularity != Granularity.PER_CHANNEL,
          granularity + " is a weight granularity; activations use PER_TENSOR or PER_TOKEN");
      require(
          dynamic || granularity == Granularity.PER_TENSOR,
          "static (calibrated) activation scales are per tensor; " + granularity
              + " needs dynamic scales");
    }
  }

  /** Weights: symmetric, per channel, static; change with the builder's methods. */
  public static Builder weights() {
    return new Builder(Role.WEIGHTS).perChannel();
  }

  /** Activations: symmetric, per token, dynamic; change with the builder's methods. */
  public static Builder activations() {
    return new Builder(Role.ACTIVATIONS).perToken().dynamic(true);
  }

  /** The smallest code. */
  public int qmin() {
    return range.min();
  }

  /** The largest code. */
  public int qmax() {
    return range.max();
  }

  /** A builder starting from this scheme. */
  public Builder toBuilder() {
    Builder b = new Builder(role);
    b.symmetric = symmetric;
    b.range = range;
    b.granularity = granularity;
    b.groupSize = groupSize;
    b.rounding = rounding;
    b.dynamic = dynamic;
    return b;
  }

  /**
   * The scale and zero point that map the observed range [min, max] onto the scheme's codes (see
   * the class comment). min and max must be finite with min <= max.
   */
  public Params params(float min, float max) {
    if (!Float.isFinite(min) || !Float.isFinite(max) || min > max) {
      throw new IllegalArgumentException(
          "range [" + min + ", " + max + "] must be finite with min <= max");
    }
    if (symmetric) {
      return new Params(Numerics.scaleFromAbsmax(Math.max(Math.abs(min), Math.abs(max))), 0);
    }
    float lo = Math.min(min, 0f);
    float hi = Math.max(max, 0f);
    float scale = (hi - lo) / (float) (qmax() - qmin());
    if (scale == 0f) {
      scale = 1f;
    }
    if (!Float.isFinite(scale)) {
      throw new IllegalArgumentException("range [" + min + ", " + max + "] overflows fp32");
    }
    int zero = qmin() - (int) Math.rint(lo / scale);
    return new Params(scale, Math.clamp(zero, qmin(), qmax()));
  }

  /** {@link #params(float, float)} of [-absmax, absmax]. */
  public Params paramsForAbsmax(float absmax) {
    return params(-absmax, absmax);
  }

  /** q = clamp(round_half_even(x / scale) + zeroPoint, qmin, qmax), the division in fp32. */
  public int quantize(float x, Params p) {
    float q = (float) Math.rint(x / p.scale()) + p.zeroPoint();
    return (int) Math.max(qmin(), Math.min(qmax(), q));
  }

  /** x' = (q - zeroPoint) * scale in fp32. */
  public float dequantize(int q, Params p) {
    return (q - p.zeroPoint()) * p.scale();
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException("QuantScheme: " + message);
    }
  }

  /** Builds a {@link QuantScheme}; validation happens in {@link #build()}. */
  public static final class Builder {
    private final Role role;
    private boolean symmetric = true;
    private IntRange range = IntRange.SYMMETRIC;
    private Granularity granularity = Granularity.PER_TENSOR;
    private int groupSize;
    private Rounding rounding = Rounding.HALF_EVEN;
    private boolean dynamic;

    private Builder(Role role) {
      this.role = role;
    }

    /** Zero point 0, codes in [-127, 127]. */
    public Builder symmetric() {
      symmetric = true;
      range = IntRange.SYMMETRIC;
      return this;
    }

    /** With a zero point, codes in {@code range} (SIGNED or UNSIGNED); activations only. */
    public Builder asymmetric(IntRange range) {
      symmetric = false;
      this.range = range;
      return this;
    }

    public Builder perTensor() {
      return granularity(Granularity.PER_TENSOR, 0);
    }

    public Builder perChannel() {
      return granularity(Granularity.PER_CHANNEL, 0);
    }

    public Builder perToken() {
      return granularity(Granularity.PER_TOKEN, 0);
    }

    public Builder perGroup(int groupSize) {
      return granularity(Granularity.PER_GROUP, groupSize);
    }

    private Builder granularity(Granularity g, int groupSize) {
      this.granularity = g;
      this.groupSize = groupSize;
      return this;
    }

    public Builder rounding(Rounding rounding) {
      this.rounding = rounding;
      return this;
    }

    /** Scales from each batch at run time (true) or calibrated ahead of time (false). */
    public Builder dynamic(boolean dynamic) {
      this.dynamic = dynamic;
      return this;
    }

    public QuantScheme build() {
      return new QuantScheme(role, 8, symmetric, granularity, groupSize, rounding, range, dynamic);
    }
  }
}

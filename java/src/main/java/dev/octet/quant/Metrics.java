package dev.octet.quant;

/**
 * Accuracy metrics of an approximation {@code y} of a reference {@code ref}, accumulated in
 * double. Arrays must have equal, non-zero length.
 */
public final class Metrics {
  private Metrics() {}

  /** mean((ref - y)^2). */
  public static double mse(float[] ref, float[] y) {
    check(ref, y);
    double s = 0;
    for (int i = 0; i < ref.length; i++) {
      double d = (double) ref[i] - y[i];
      s += d * d;
    }
    return s / ref.length;
  }

  /** max |ref - y|. */
  public static double maxAbsError(float[] ref, float[] y) {
    check(ref, y);
    double m = 0;
    for (int i = 0; i < ref.length; i++) {
      m = Math.max(m, Math.abs((double) ref[i] - y[i]));
    }
    return m;
  }

  /** ref . y / (|ref| |y|); 1 for two zero vectors, 0 when only one is zero. */
  public static double cosineSimilarity(float[] ref, float[] y) {
    check(ref, y);
    double dot = 0, a = 0, b = 0;
    for (int i = 0; i < ref.length; i++) {
      dot += (double) ref[i] * y[i];
      a += (double) ref[i] * ref[i];
      b += (double) y[i] * y[i];
    }
    if (a == 0 && b == 0) {
      return 1;
    }
    if (a == 0 || b == 0) {
      return 0;
    }
    return dot / (Math.sqrt(a) * Math.sqrt(b));
  }

  /** Signal-to-quantization-noise ratio 20 log10(|ref| / |ref - y|) in dB; +Inf when equal. */
  public static double sqnrDb(float[] ref, float[] y) {
    check(ref, y);
    double signal = 0, noise = 0;
    for (int i = 0; i < ref.length; i++) {
      double d = (double) ref[i] - y[i];
      signal += (double) ref[i] * ref[i];
      noise += d * d;
    }
    return 10 * Math.log10(signal / noise);
  }

  private static void check(float[] ref, float[] y) {
    if (ref == null || y == null) {
      throw new IllegalArgumentException("ref and y must not be null");
    }
    if (ref.length != y.length || ref.length == 0) {
      throw new IllegalArgumentException(
          "ref has " + ref.length + " elements and y " + y.length + "; need equal, non-zero lengths");
    }
  }
}

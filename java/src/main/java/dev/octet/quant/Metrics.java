package dev.octet.quant;

/**
 * Accuracy metrics of an approximation {@code y} of a reference {@code ref}, accumulated in
 * double. Arrays must have equal, non-zero length. Over many batches, an {@link Accumulator}
 * gives the same metrics as one call over their concatenation, without keeping the batches.
 */
public final class Metrics {
  private Metrics() {}

  /** mean((ref - y)^2). */
  public static double mse(float[] ref, float[] y) {
    return of(ref, y).mse();
  }

  /** max |ref - y|. */
  public static double maxAbsError(float[] ref, float[] y) {
    return of(ref, y).maxAbsError();
  }

  /** ref . y / (|ref| |y|); 1 for two zero vectors, 0 when only one is zero. */
  public static double cosineSimilarity(float[] ref, float[] y) {
    return of(ref, y).cosineSimilarity();
  }

  /** Signal-to-quantization-noise ratio 10 log10(|ref|^2 / |ref - y|^2) in dB; +Inf when equal. */
  public static double sqnrDb(float[] ref, float[] y) {
    return of(ref, y).sqnrDb();
  }

  /** How many |x| exceed {@code threshold} (NaN counts as an outlier). */
  public static long outlierCount(float[] x, double threshold) {
    long n = 0;
    for (float v : x) {
      if (!(Math.abs(v) <= threshold)) {
        n++;
      }
    }
    return n;
  }

  private static Accumulator of(float[] ref, float[] y) {
    Accumulator a = new Accumulator(Double.POSITIVE_INFINITY);
    a.add(ref, y);
    return a;
  }

  /**
   * Running sums of ref.ref, y.y, ref.y, (ref - y)^2, max |ref - y| and the outliers of ref, from
   * which every metric follows.
   */
  public static final class Accumulator {
    private final double outlierThreshold;
    private long count;
    private long outliers;
    private double refRef;
    private double yy;
    private double refY;
    private double noise;
    private double maxAbs;

    /** Counts |ref| > {@code outlierThreshold} as outliers (+Inf: none). */
    public Accumulator(double outlierThreshold) {
      this.outlierThreshold = outlierThreshold;
    }

    /** Adds one pair of batches of equal, non-zero length. */
    public Accumulator add(float[] ref, float[] y) {
      if (ref == null || y == null) {
        throw new IllegalArgumentException("ref and y must not be null");
      }
      if (ref.length != y.length || ref.length == 0) {
        throw new IllegalArgumentException(
            "ref has " + ref.length + " elements and y " + y.length
                + "; need equal, non-zero lengths");
      }
      for (int i = 0; i < ref.length; i++) {
        double r = ref[i];
        double d = r - y[i];
        refRef += r * r;
        yy += (double) y[i] * y[i];
        refY += r * y[i];
        noise += d * d;
        maxAbs = Math.max(maxAbs, Math.abs(d));
      }
      outliers += outlierCount(ref, outlierThreshold);
      count += ref.length;
      return this;
    }

    public long count() {
      return count;
    }

    /** |ref| > threshold, over everything added. */
    public long outliers() {
      return outliers;
    }

    public double mse() {
      return noise / requireSome();
    }

    public double maxAbsError() {
      requireSome();
      return maxAbs;
    }

    public double cosineSimilarity() {
      requireSome();
      if (refRef == 0 && yy == 0) {
        return 1;
      }
      if (refRef == 0 || yy == 0) {
        return 0;
      }
      return refY / (Math.sqrt(refRef) * Math.sqrt(yy));
    }

    public double sqnrDb() {
      requireSome();
      return 10 * Math.log10(refRef / noise);
    }

    private long requireSome() {
      if (count == 0) {
        throw new IllegalStateException("no values were added");
      }
      return count;
    }
  }
}

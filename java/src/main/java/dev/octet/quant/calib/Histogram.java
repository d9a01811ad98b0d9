package dev.octet.quant.calib;

import dev.octet.Stream;
import dev.octet.Tensor;

/**
 * A streaming histogram of calibration data in bounded memory: {@code bins} counts of |x| over
 * [0, R) (absolute) or of x over [-R, R) (signed), where the range R is a power of two. The first
 * batch sets R to the smallest power of two covering its max |x|; a later batch beyond R doubles R
 * (as often as needed) by merging pairs of neighbouring bins, which is exact. So absolute
 * histograms are independent of how the data is split into batches: R is the smallest power of
 * two covering every |x| seen and every bin index is exact (x * bins / R scales by a power of
 * two). In signed mode x + R rounds, so values within an ulp of a bin edge may land in the other
 * bin, depending on the split.
 *
 * <p>Non-finite values are rejected (IllegalArgumentException): they have no place in a range.
 */
public final class Histogram {
  /** The default bin count (TensorRT's entropy calibration uses 2048). */
  public static final int DEFAULT_BINS = 2048;

  /** The largest bin count (liboctet's {@code OCT_HISTOGRAM_MAX_BINS}). */
  public static final int MAX_BINS = 8192;

  /** The smallest range: |x| below it all land in bin 0. */
  static final float MIN_RANGE = 0x1p-64f;

  private final int bins;
  private final boolean absolute;
  private final long[] counts;
  private float range; // R; 0 until the first batch
  private long total;
  private float min = Float.POSITIVE_INFINITY;
  private float max = Float.NEGATIVE_INFINITY;

  /**
   * @param bins a power of two in [4, {@link #MAX_BINS}]
   * @param absolute histogram of |x| over [0, R) (true) or of x over [-R, R) (false)
   */
  public Histogram(int bins, boolean absolute) {
    if (bins < 4 || bins > MAX_BINS || Integer.bitCount(bins) != 1) {
      throw new IllegalArgumentException(
          "bins is " + bins + "; must be a power of two in [4, " + MAX_BINS + "]");
    }
    this.bins = bins;
    this.absolute = absolute;
    this.counts = new long[bins];
  }

  /** Adds a host batch. */
  public void add(float[] batch) {
    add(Batch.of(batch));
  }

  /** Adds a device batch; its statistics are computed on its device. */
  public void add(Tensor batch, Stream stream) {
    add(Batch.of(batch, stream));
  }

  void add(Batch batch) {
    float[] mm = batch.minMax();
    if (!Float.isFinite(mm[0]) || !Float.isFinite(mm[1])) {
      throw new IllegalArgumentException(
          "a calibration batch holds a non-finite value (min " + mm[0] + ", max " + mm[1] + ")");
    }
    float absmax = Math.max(Math.abs(mm[0]), Math.abs(mm[1]));
    float needed = powerOfTwoAtLeast(Math.max(absmax, MIN_RANGE));
    if (range == 0f) {
      range = needed;
    }
    while (range < needed) {
      doubleRange();
    }
    int[] c = batch.histogram(lo(), hi(), bins, absolute);
    for (int i = 0; i < bins; i++) {
      counts[i] += c[i];
    }
    total += batch.size();
    min = Math.min(min, mm[0]);
    max = Math.max(max, mm[1]);
  }

  private void doubleRange() {
    long[] merged = new long[bins];
    if (absolute) { // [0, R) -> [0, 2R): bins 2i and 2i + 1 become bin i
      for (int i = 0; i < bins; i++) {
        merged[i / 2] += counts[i];
      }
    } else { // [-R, R) -> [-2R, 2R): bin i starts at -2R + (bins / 2 + i) w, so goes to bins / 4 + i / 2
      for (int i = 0; i < bins; i++) {
        merged[bins / 4 + i / 2] += counts[i];
      }
    }
    System.arraycopy(merged, 0, counts, 0, bins);
    range *= 2;
  }

  static float powerOfTwoAtLeast(float a) {
    float p = Math.scalb(1f, Math.getExponent(a));
    float r = p >= a ? p : 2 * p;
    if (!Float.isFinite(r)) {
      throw new IllegalArgumentException("|x| = " + a + " is too large to histogram (>= 2^127)");
    }
    return r;
  }

  public int bins() {
    return bins;
  }

  public boolean isAbsolute() {
    return absolute;
  }

  /** The lower edge: 0 (absolute) or -R. */
  public float lo() {
    return absolute ? 0f : -range;
  }

  /** The upper edge R; 0 before the first batch. */
  public float hi() {
    return range;
  }

  /** (hi - lo) / bins. */
  public double binWidth() {
    return ((double) hi() - lo()) / bins;
  }

  /** A copy of the counts. */
  public long[] counts() {
    return counts.clone();
  }

  /** Values added. */
  public long total() {
    return total;
  }

  /** The smallest value added (exact). */
  public float min() {
    return min;
  }

  /** The largest value added (exact). */
  public float max() {
    return max;
  }

  /** The largest |x| added (exact). */
  public float absmax() {
    return Math.max(Math.abs(min), Math.abs(max));
  }

  /**
   * The q-quantile (0 <= q <= 1) of the histogrammed values (|x| when absolute), interpolated
   * linearly within its bin and kept within the exact min and max seen.
   */
  public double quantile(double q) {
    if (total == 0) {
      throw new IllegalStateException("the histogram is empty");
    }
    if (!(q >= 0 && q <= 1)) {
      throw new IllegalArgumentException("q is " + q + "; must be in [0, 1]");
    }
    double target = q * total;
    double cum = 0;
    double w = binWidth();
    double v = hi();
    for (int i = 0; i < bins; i++) {
      if (counts[i] > 0 && cum + counts[i] >= target) {
        v = lo() + w * (i + (target - cum) / counts[i]);
        break;
      }
      cum += counts[i];
    }
    double smallest = absolute ? 0 : min;
    return Math.max(smallest, Math.min(absolute ? absmax() : max, v));
  }
}

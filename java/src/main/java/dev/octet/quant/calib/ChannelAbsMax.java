package dev.octet.quant.calib;

import dev.octet.Stream;
import dev.octet.Tensor;
import dev.octet.quant.TensorStats;

/**
 * The running max |X_j| of every channel j (the last dimension) of an activation X [*, channels]
 * over calibration batches: what SmoothQuant needs. Bounded memory (one float per channel); for a
 * device tensor the column maxima are computed on its device.
 */
public final class ChannelAbsMax {
  private final float[] max;
  private long rows;

  public ChannelAbsMax(int channels) {
    if (channels < 1) {
      throw new IllegalArgumentException("channels is " + channels + "; must be >= 1");
    }
    this.max = new float[channels];
  }

  /** Observes a host batch [rows, channels], row-major. */
  public void observe(float[] batch) {
    int k = max.length;
    if (batch == null || batch.length == 0 || batch.length % k != 0) {
      throw new IllegalArgumentException(
          "batch of " + (batch == null ? "null" : batch.length + " elements") + " is not [*, " + k
              + "]");
    }
    float[] m = new float[k];
    for (int i = 0; i < batch.length; i++) {
      float v = batch[i];
      m[i % k] = Float.isNaN(v) || Float.isNaN(m[i % k]) ? Float.NaN : Math.max(m[i % k], Math.abs(v));
    }
    merge(m, batch.length / k);
  }

  /** Observes a device batch whose last dimension is the channels. */
  public void observe(Tensor batch, Stream stream) {
    long k = batch.shape().dim(batch.shape().rank() - 1);
    if (k != max.length) {
      throw new IllegalArgumentException(
          "batch " + batch.shape() + " has " + k + " channels; expected " + max.length);
    }
    merge(TensorStats.columnAbsmax(batch, stream), batch.numel() / k);
  }

  private void merge(float[] m, long batchRows) {
    for (int j = 0; j < m.length; j++) {
      if (!Float.isFinite(m[j])) {
        throw new IllegalArgumentException(
            "channel " + j + " of a calibration batch holds a non-finite value");
      }
    }
    for (int j = 0; j < m.length; j++) {
      max[j] = Math.max(max[j], m[j]);
    }
    rows += batchRows;
  }

  /** A copy of max |X_j| so far. */
  public float[] absMax() {
    return max.clone();
  }

  /** Rows (tokens) observed. */
  public long rows() {
    return rows;
  }
}

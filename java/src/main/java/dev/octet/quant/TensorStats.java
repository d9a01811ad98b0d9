package dev.octet.quant;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Shape;
import dev.octet.Stream;
import dev.octet.Tensor;
import dev.octet.internal.Native;
import dev.octet.internal.ffi.OctetH;
import dev.octet.reference.ReferenceStats;

/**
 * Statistics of a tensor computed where it lives (on the GPU for a CUDA tensor), through liboctet's
 * {@code oct_tensor_absmax}, {@code oct_tensor_minmax} and {@code oct_tensor_histogram}: only the
 * small results come back to the host. The tensor (FP32, FP16 or BF16, any rank) is seen as
 * [rows, columns] with columns its last dimension. The definitions are those of {@link
 * ReferenceStats}, bit for bit. Each call is enqueued on {@code stream} (null: the default stream)
 * and waits for its result.
 */
public final class TensorStats {
  /** The largest histogram ({@code OCT_HISTOGRAM_MAX_BINS}). */
  public static final int MAX_BINS = 8192;

  private TensorStats() {}

  /** max |x| over the tensor; NaN when it holds a NaN. */
  public static float absmax(Tensor x, Stream stream) {
    return absmax(x, OctetH.OCT_REDUCE_ALL(), Shape.of(1), stream)[0];
  }

  /** max |x| of every row (token); NaN for a row holding a NaN. */
  public static float[] rowAbsmax(Tensor x, Stream stream) {
    return absmax(x, OctetH.OCT_REDUCE_ROWS(), Shape.of(x.numel() / columns(x)), stream);
  }

  /** max |x| of every column (channel, the last dimension); NaN for a column holding a NaN. */
  public static float[] columnAbsmax(Tensor x, Stream stream) {
    return absmax(x, OctetH.OCT_REDUCE_COLUMNS(), Shape.of(columns(x)), stream);
  }

  /** {min, max} over the tensor (-0 below +0); both NaN when it holds a NaN. */
  public static float[] minMax(Tensor x, Stream stream) {
    requireInput(x);
    try (Tensor out = x.context().allocate(DType.FP32, Shape.of(2))) {
      Native.check(
          OctetH.oct_tensor_minmax(
              x.nativeHandle(), OctetH.OCT_REDUCE_ALL(), out.nativeHandle(),
              Stream.nativeHandle(stream)),
          "oct_tensor_minmax");
      return download(out, stream);
    }
  }

  /**
   * The histogram of x (or |x| when {@code absolute}) over [lo, hi) in {@code bins} bins (1 to
   * {@link #MAX_BINS}); see {@link ReferenceStats#histogram} for the exact bin of each value.
   */
  public static int[] histogram(
      Tensor x, float lo, float hi, int bins, boolean absolute, Stream stream) {
    requireInput(x);
    Context ctx = x.context();
    if (bins < 1) { // a Shape cannot be empty; liboctet names the other bad arguments
      throw new dev.octet.OctetException(
          dev.octet.Status.INVALID_ARGUMENT, "oct_tensor_histogram",
          "argument 'counts' has " + bins + " bins; 1 to " + MAX_BINS + " are supported");
    }
    try (Tensor counts = ctx.allocate(DType.INT32, Shape.of(bins))) {
      Native.check(
          OctetH.oct_tensor_histogram(
              x.nativeHandle(), lo, hi, absolute ? 1 : 0, counts.nativeHandle(),
              Stream.nativeHandle(stream)),
          "oct_tensor_histogram");
      synchronize(stream);
      return counts.toIntArray();
    }
  }

  private static float[] absmax(Tensor x, int reduce, Shape outShape, Stream stream) {
    requireInput(x);
    try (Tensor out = x.context().allocate(DType.FP32, outShape)) {
      Native.check(
          OctetH.oct_tensor_absmax(
              x.nativeHandle(), reduce, out.nativeHandle(), Stream.nativeHandle(stream)),
          "oct_tensor_absmax");
      return download(out, stream);
    }
  }

  private static float[] download(Tensor out, Stream stream) {
    synchronize(stream);
    return out.toFloatArray();
  }

  // toFloatArray copies after the default stream's work; wait for the caller's stream first.
  private static void synchronize(Stream stream) {
    if (stream != null) {
      stream.synchronize();
    }
  }

  private static long columns(Tensor x) {
    requireInput(x);
    return x.shape().dim(x.shape().rank() - 1);
  }

  private static void requireInput(Tensor x) {
    if (x == null) {
      throw new IllegalArgumentException("x is null");
    }
  }
}

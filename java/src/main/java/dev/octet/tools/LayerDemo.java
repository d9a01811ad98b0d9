package dev.octet.tools;

import dev.octet.Backend;
import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Shape;
import dev.octet.Stream;
import dev.octet.Tensor;
import dev.octet.quant.Int8Linear;
import dev.octet.quant.Metrics;
import dev.octet.quant.WeightOnlyLinear;
import java.util.Optional;


/**
 * The main job's linear-layer part: y = x W^T for a Llama-shaped W, through W8A8 and W8A16 and
 * (on CUDA, when found) cuBLAS fp16; time per call through the Java API and error against
 * float64 on the first rows.
 */
final class LayerDemo {
  private static final int CHECK_ROWS = 4;

  private LayerDemo() {}

  static void run(Context ctx, int n, int k, int[] ms) {
    System.out.println(
        "Linear layer y = x W^T, W [" + n + ", " + k + "] ~ N(0, 0.02^2), x ~ N(0, 1) fp16"
            + " (time: median per call through the Java API; error: SQNR vs float64 on the first"
            + " rows)");
    float[] w = Main.gaussian(n * k, 0.02, 7);
    try (Stream stream = ctx.createStream();
        Tensor wf = ctx.upload(w, DType.FP32, Shape.of(n, k));
        Tensor w16 = ctx.upload(w, DType.FP16, Shape.of(n, k));
        Int8Linear w8a8 = Int8Linear.builder(wf).build(stream);
        WeightOnlyLinear w8a16 = WeightOnlyLinear.quantize(wf, null, 0, stream)) {
      Optional<CublasBaseline> cublas =
          ctx.backend() == Backend.CUDA ? CublasBaseline.open(stream) : Optional.empty();
      System.out.println(
          "fp16 baseline: " + cublas.map(c -> "cuBLAS cublasGemmEx, fp32 accumulation (" + c.library + ")")
              .orElse("none (cuBLAS not found" + (ctx.backend() == Backend.CPU ? "; CPU backend)" : ")")));
      System.out.printf(
          "%6s %12s %12s %8s %12s %8s %10s %10s %10s%n",
          "M", "fp16 us", "W8A8 us", "x fp16", "W8A16 us", "x fp16", "SQNR fp16", "SQNR W8A8", "W8A16");
      try {
        for (int m : ms) {
          float[] x = Main.gaussian(m * k, 1.0, 100 + m);
          try (Tensor xt = ctx.upload(x, DType.FP16, Shape.of(m, k));
              Tensor y = ctx.allocate(DType.FP16, Shape.of(m, n))) {
            float[] xr = xt.toFloatArray(); // x as the layers see it (fp16)
            float[] ref = reference(xr, w, Math.min(m, CHECK_ROWS), n, k);
            double t8 = time(stream, () -> w8a8.forwardInto(xt, y, stream));
            double s8 = sqnr(ref, y);
            double t16 = time(stream, () -> w8a16.forwardInto(xt, y, stream));
            double s16 = sqnr(ref, y);
            double tf = Double.NaN, sf = Double.NaN;
            if (cublas.isPresent()) {
              tf = time(stream, () -> cublas.get().linear(xt, w16, y));
              sf = sqnr(ref, y);
            }
            System.out.printf(
                "%6d %12s %12s %8s %12s %8s %10s %10s %10s%n",
                m, f(tf), f(t8), f(tf / t8), f(t16), f(tf / t16), f(sf), f(s8), f(s16));
          }
        }
      } finally {
        cublas.ifPresent(CublasBaseline::close);
      }
    }
  }

  private static String f(double v) {
    return Double.isNaN(v) ? "-" : String.format("%.2f", v);
  }

  /** Median microseconds per call over batches of calls, after a warm-up. */
  private static double time(Stream stream, Runnable call) {
    for (int i = 0; i < 3; i++) {
      call.run();
    }
    stream.synchronize();
    long once = System.nanoTime();
    call.run();
    stream.synchronize();
    double single = (System.nanoTime() - once) / 1e3;
    int perBatch = (int) Math.max(1, Math.min(200, 20000 / Math.max(single, 1)));
    double[] us = new double[7];
    for (int b = 0; b < us.length; b++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < perBatch; i++) {
        call.run();
      }
      stream.synchronize();
      us[b] = (System.nanoTime() - t0) / 1e3 / perBatch;
    }
    return Main.median(us);
  }

  private static double sqnr(float[] ref, Tensor y) {
    float[] got = y.toFloatArray();
    float[] head = new float[ref.length];
    System.arraycopy(got, 0, head, 0, head.length);
    return Metrics.sqnrDb(ref, head);
  }

  /** The first {@code rows} rows of x W^T in float64. */
  private static float[] reference(float[] x, float[] w, int rows, int n, int k) {
    float[] y = new float[rows * n];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < n; j++) {
        double acc = 0;
        for (int c = 0; c < k; c++) {
          acc += (double) x[i * k + c] * w[j * k + c];
        }
        y[i * n + j] = (float) acc;
      }
    }
    return y;
  }
}

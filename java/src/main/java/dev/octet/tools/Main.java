package dev.octet.tools;

import dev.octet.Backend;
import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Octet;
import dev.octet.Shape;
import dev.octet.Stream;
import dev.octet.Tensor;
import dev.octet.quant.Metrics;
import dev.octet.quant.QuantizedWeight;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Octet's main job on the default backend (CUDA device 0 when a GPU is usable, else the CPU):
 * quantizes Llama-2-7B-shaped weights and prints the quantization error and time; then runs a
 * Llama-2-7B linear layer through the W8A8 path (dynamic per-token activations, int8 GEMM with
 * fused dequant) and the weight-only W8A16 path, beside the fp16 matmul of cuBLAS when a cuBLAS
 * library is found, and prints each one's time and error against a float64 reference.
 *
 * <p>Usage: {@code Main [--backend cpu|cuda] [--shapes all|N1xK1,...] [--repeats R]
 * [--layer NxK] [--m 1,16,128,2048]}
 */
public final class Main {
  private static final long[][] LLAMA2_7B = {{4096, 4096}, {11008, 4096}, {4096, 11008}};

  private Main() {}

  public static void main(String[] args) {
    String backend = null;
    long[][] shapes = LLAMA2_7B;
    int repeats = 5;
    long[] layer = {11008, 4096};
    int[] ms = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--backend" -> backend = value(args, ++i);
        case "--shapes" -> shapes = parseShapes(value(args, ++i));
        case "--repeats" -> repeats = Integer.parseInt(value(args, ++i));
        case "--layer" -> layer = parseShapes(value(args, ++i))[0];
        case "--m" -> ms = Arrays.stream(value(args, ++i).split(",")).mapToInt(Integer::parseInt).toArray();
        case "-h", "--help" -> {
          System.out.println(
              "usage: octet-demo [--backend cpu|cuda] [--shapes NxK,...] [--repeats R]"
                  + " [--layer NxK] [--m 1,16,...]");
          return;
        }
        default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
      }
    }
    System.out.println(Octet.describe());
    try (Context ctx =
        backend == null
            ? Context.defaultBackend()
            : backend.equals("cuda") ? Context.cuda(0) : Context.cpu()) {
      String where =
          ctx.backend() == Backend.CUDA ? "CUDA:0 " + Octet.cudaDevice(0).name() : "CPU";
      System.out.println("Backend: " + where);
      System.out.println();
      System.out.println(
          "Per-channel symmetric INT8 weight quantization, fp16 weights ~ N(0, 0.02^2)"
              + " (Llama-2-7B linear-layer shapes)");
      System.out.printf(
          "%-14s %12s %12s %10s %12s %12s %10s%n",
          "N x K", "quantize ms", "dequant ms", "SQNR dB", "rel RMS err", "max |err|", "GB/s");
      for (long[] nk : shapes) {
        runShape(ctx, nk[0], nk[1], repeats);
      }
      if (ms == null) {
        ms = ctx.backend() == Backend.CUDA ? new int[] {1, 16, 128, 2048} : new int[] {1, 16};
      }
      System.out.println();
      LayerDemo.run(ctx, (int) layer[0], (int) layer[1], ms);
    }
  }

  private static void runShape(Context ctx, long n, long k, int repeats) {
    Shape shape = Shape.of(n, k);
    float[] w = gaussian(Math.toIntExact(n * k), 0.02, 42 + n * 31 + k);
    try (Stream stream = ctx.createStream();
        Tensor weight = ctx.upload(w, DType.FP16, shape)) {
      float[] wRounded = weight.toFloatArray(); // the fp16 weight actually quantized
      double[] qms = new double[repeats];
      double[] dms = new double[repeats];
      float[] deq = null;
      for (int r = -1; r < repeats; r++) { // r = -1: warm-up
        long t0 = System.nanoTime();
        try (QuantizedWeight qw = QuantizedWeight.quantize(weight, stream)) {
          stream.synchronize();
          long t1 = System.nanoTime();
          try (Tensor back = qw.dequantize(DType.FP32, stream)) {
            stream.synchronize();
            long t2 = System.nanoTime();
            if (r >= 0) {
              qms[r] = (t1 - t0) / 1e6;
              dms[r] = (t2 - t1) / 1e6;
            } else {
              if (qw.nonFiniteRows().length > 0) {
                throw new IllegalStateException("non-finite rows in a Gaussian weight");
              }
              deq = back.toFloatArray();
            }
          }
        }
      }
      double q = median(qms);
      double bytes = n * k * (2.0 + 1.0) + n * 4.0; // read fp16, write int8 + scales
      System.out.printf(
          "%-14s %12.3f %12.3f %10.2f %12.3e %12.3e %10.1f%n",
          n + " x " + k,
          q,
          median(dms),
          Metrics.sqnrDb(wRounded, deq),
          Math.sqrt(Metrics.mse(wRounded, deq) / (Metrics.mse(wRounded, new float[wRounded.length]))),
          Metrics.maxAbsError(wRounded, deq),
          bytes / (q * 1e-3) / 1e9);
    }
  }

  static float[] gaussian(int count, double sigma, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] v = new float[count];
    for (int i = 0; i < count; i++) {
      v[i] = (float) (sigma * gauss(rng));
    }
    return v;
  }

  /** A standard normal sample (Marsaglia polar method, one of the pair). */
  static double gauss(SplittableRandom rng) {
    double u, v, s;
    do {
      u = 2 * rng.nextDouble() - 1;
      v = 2 * rng.nextDouble() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    return u * Math.sqrt(-2 * Math.log(s) / s);
  }

  static double median(double[] x) {
    double[] s = x.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException(args[i - 1] + " needs a value");
    }
    return args[i];
  }

  private static long[][] parseShapes(String s) {
    if (s.equals("all")) {
      return LLAMA2_7B;
    }
    return Arrays.stream(s.split(","))
        .map(p -> Arrays.stream(p.split("x")).mapToLong(Long::parseLong).toArray())
        .toArray(long[][]::new);
  }
}

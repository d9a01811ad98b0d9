package dev.octet.quant.calib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.octet.quant.QuantScheme;
import dev.octet.quant.QuantScheme.IntRange;
import dev.octet.quant.QuantScheme.Params;
import dev.octet.reference.Numerics;
import dev.octet.testing.Inputs;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Each observer against closed-form expectations on known distributions. */
class ObserverTest {
  static final QuantScheme SYM = QuantScheme.activations().perTensor().dynamic(false).build();
  static final QuantScheme ASYM =
      QuantScheme.activations().perTensor().dynamic(false).asymmetric(IntRange.SIGNED).build();

  private final long seed = Inputs.freshSeed();
  private final SplittableRandom rng = new SplittableRandom(seed);

  @Test
  void minMaxIsTheRangeOfEverything() {
    MinMaxObserver o = new MinMaxObserver(ASYM);
    o.observe(new float[] {0.5f, -2f, 1f});
    o.observe(new float[] {3f, 0f});
    assertEquals(ASYM.params(-2f, 3f), o.params());
    MinMaxObserver s = new MinMaxObserver(SYM);
    s.observe(new float[] {0.5f, -2.5f});
    assertEquals(new Params(2.5f / 127f, 0), s.params());
    assertEquals(2, s.count());
    assertThrows(IllegalStateException.class, () -> new MinMaxObserver(SYM).params());
    assertThrows(IllegalArgumentException.class, () -> s.observe(new float[] {1f, Float.NaN}));
    assertThrows(IllegalArgumentException.class,
        () -> s.observe(new float[] {Float.NEGATIVE_INFINITY}));
    assertThrows(IllegalArgumentException.class, // observers calibrate static per-tensor scales
        () -> new MinMaxObserver(QuantScheme.activations().build()));
  }

  @Test
  void movingAverageFollowsItsRecurrence() {
    // One batch in [-1, 1], then n batches in [-3, 3]: max_n = 3 + (1 - 3) (1 - c)^n.
    double c = 0.1;
    int n = 20;
    MovingAverageMinMaxObserver o = new MovingAverageMinMaxObserver(SYM, c);
    o.observe(new float[] {-1f, 1f});
    for (int i = 0; i < n; i++) {
      o.observe(new float[] {-3f, 0f, 3f});
    }
    double expected = 3 + (1 - 3) * Math.pow(1 - c, n);
    assertEquals(expected / 127, o.params().scale(), 1e-6 * expected / 127);
    assertThrows(IllegalArgumentException.class, () -> new MovingAverageMinMaxObserver(SYM, 0));
  }

  @Test
  void percentileOfAUniform() {
    // |x| of U(-1, 1) is U(0, 1): its 99.9th percentile is 0.999. Sampling error of the
    // quantile ~ sqrt(p (1 - p) / N) = 3e-5; interpolation within a 1/2048-wide bin is exact
    // for a flat density up to the same sampling noise. Tolerance 5e-4.
    PercentileObserver o = new PercentileObserver(SYM);
    for (int b = 0; b < 16; b++) {
      o.observe(uniform(1 << 16, -1, 1));
    }
    assertEquals(0.999, o.params().scale() * 127.0, 5e-4, "seed " + seed);
    // Asymmetric: the 0.1th and 99.9th percentiles of U(-1, 3) are -0.996 and 2.996.
    PercentileObserver a = new PercentileObserver(ASYM, 99.9, 2048);
    for (int b = 0; b < 16; b++) {
      a.observe(uniform(1 << 16, -1, 3));
    }
    assertEquals(ASYM.params(-0.996f, 2.996f).scale(), a.params().scale(), 2e-3 / 255, "seed " + seed);
    assertEquals(ASYM.params(-0.996f, 2.996f).zeroPoint(), a.params().zeroPoint(), 1);
    // 99th percentile: 0.99
    PercentileObserver p99 = new PercentileObserver(SYM, 99, 1024);
    p99.observe(uniform(1 << 18, -1, 1));
    assertEquals(0.99, p99.params().scale() * 127.0, 1e-3, "seed " + seed);
  }

  @Test
  void mseOptimumOfALaplacianMatchesBruteForce() {
    // Laplace(0, 1) samples; the brute force evaluates the true MSE of symmetric INT8 fake
    // quantization of the samples themselves at clip values 1.00, 1.02, ..., 20 and takes the
    // best. The observer only sees the histogram; its clip must be near the brute-force one and
    // its MSE within 2% of the optimum (the MSE curve is flat near its minimum).
    int n = 100_000;
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      double u = rng.nextDouble() - 0.5;
      x[i] = (float) (-Math.signum(u) * Math.log(1 - 2 * Math.abs(u)));
    }
    MseObserver o = new MseObserver(SYM);
    for (int b = 0; b < 10; b++) {
      o.observe(java.util.Arrays.copyOfRange(x, b * n / 10, (b + 1) * n / 10));
    }
    double bestClip = 0;
    double bestMse = Double.POSITIVE_INFINITY;
    for (int k = 0; k <= 950; k++) {
      double clip = 1 + 0.02 * k;
      double mse = fakeQuantMse(x, (float) clip);
      if (mse < bestMse) {
        bestMse = mse;
        bestClip = clip;
      }
    }
    double clip = o.params().scale() * 127.0;
    double mse = fakeQuantMse(x, (float) clip);
    System.out.printf(
        "[octet] MSE observer on Laplace(0,1): clip %.3f (brute force %.3f), MSE %.4e (optimum"
            + " %.4e), max |x| %.2f%n",
        clip, bestClip, mse, bestMse, o.histogram().absmax());
    assertEquals(bestClip, clip, 0.1 * bestClip, "seed " + seed);
    assertTrue(mse <= 1.02 * bestMse, "MSE " + mse + " vs optimum " + bestMse + ", seed " + seed);
    assertTrue(clip < 0.95 * o.histogram().absmax(), "the optimum clips the tail");
  }

  @Test
  void mseObserverOnAsymmetricData() {
    // Asymmetric uniform data: nothing to clip, so the best range is (nearly) the whole range.
    MseObserver o = new MseObserver(ASYM);
    o.observe(uniform(1 << 16, -1, 3));
    Params p = o.params();
    assertEquals(4.0 / 255, p.scale(), 0.02 * 4.0 / 255, "seed " + seed);
  }

  @Test
  void entropyIsSaneOnAGaussianWithOutliers() {
    // N(0, 1) plus 0.01% outliers at |x| in [30, 50]: min/max would clip at ~50, wasting most
    // of the 127 levels; the KL threshold must ignore the outliers and keep the bulk (a few
    // sigma), and quantize the Gaussian bulk far better than min/max does.
    int n = 1 << 18;
    float[] x = Inputs.gaussian(rng, n, 1.0);
    for (int i = 0; i < n / 10_000; i++) {
      x[rng.nextInt(n)] = (float) ((rng.nextBoolean() ? 1 : -1) * rng.nextDouble(30, 50));
    }
    EntropyObserver e = new EntropyObserver(SYM);
    MinMaxObserver m = new MinMaxObserver(SYM);
    for (int b = 0; b < 8; b++) {
      float[] batch = java.util.Arrays.copyOfRange(x, b * n / 8, (b + 1) * n / 8);
      e.observe(batch);
      m.observe(batch);
    }
    double t = e.params().scale() * 127.0;
    float[] bulk = Inputs.gaussian(rng, 1 << 16, 1.0);
    double sqnrEntropy = sqnr(bulk, e.params().scale());
    double sqnrMinMax = sqnr(bulk, m.params().scale());
    System.out.printf(
        "[octet] entropy observer on N(0,1) + outliers: threshold %.3f (max %.1f); Gaussian SQNR"
            + " %.1f dB vs %.1f dB with min/max%n",
        t, m.params().scale() * 127.0, sqnrEntropy, sqnrMinMax);
    assertTrue(t > 2.5 && t < 12, "threshold " + t + ", seed " + seed);
    assertTrue(sqnrEntropy > sqnrMinMax + 6, sqnrEntropy + " vs " + sqnrMinMax + " dB");
    assertThrows(IllegalArgumentException.class, () -> new EntropyObserver(ASYM));
  }

  @Test
  void streamingEqualsOnePassOverTheConcatenation() {
    // Batches of growing range force the histogram to rebin several times; |x| histograms are
    // exact under rebinning, so every symmetric observer gives bit-identical scales. Signed
    // histograms (asymmetric schemes) agree within a bin's rounding.
    List<float[]> batches = new ArrayList<>();
    int total = 0;
    for (int b = 0; b < 24; b++) {
      float[] x = Inputs.gaussian(rng, 1000 + rng.nextInt(3000), Math.pow(1.4, b) * 0.01);
      x[0] += 0.7f; // a little asymmetry
      batches.add(x);
      total += x.length;
    }
    float[] all = new float[total];
    int at = 0;
    for (float[] x : batches) {
      System.arraycopy(x, 0, all, at, x.length);
      at += x.length;
    }
    List<Function<QuantScheme, Observer>> kinds =
        List.of(
            MinMaxObserver::new,
            PercentileObserver::new,
            s -> new PercentileObserver(s, 99, 256),
            MseObserver::new,
            EntropyObserver::new);
    for (Function<QuantScheme, Observer> make : kinds) {
      Observer streamed = make.apply(SYM);
      batches.forEach(streamed::observe);
      Observer once = make.apply(SYM);
      once.observe(all);
      assertEquals(once.params(), streamed.params(), once.name() + ", seed " + seed);
      assertEquals(total, streamed.count());
    }
    for (Function<QuantScheme, Observer> make :
        List.<Function<QuantScheme, Observer>>of(MinMaxObserver::new, PercentileObserver::new, MseObserver::new)) {
      Observer streamed = make.apply(ASYM);
      batches.forEach(streamed::observe);
      Observer once = make.apply(ASYM);
      once.observe(all);
      Params a = once.params();
      Params b = streamed.params();
      assertEquals(a.scale(), b.scale(), 2e-3 * a.scale(), once.name() + " asym, seed " + seed);
      assertEquals(a.zeroPoint(), b.zeroPoint(), 1, once.name() + " asym, seed " + seed);
    }
  }

  private float[] uniform(int n, double lo, double hi) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) rng.nextDouble(lo, hi);
    }
    return x;
  }

  /** mean((q(x) s - x)^2) for symmetric INT8 with clip c (scale c / 127), as the kernels do. */
  static double fakeQuantMse(float[] x, float clip) {
    float s = Numerics.scaleFromAbsmax(clip);
    double sum = 0;
    for (float v : x) {
      double d = Numerics.quantize(v, s) * s - (double) v;
      sum += d * d;
    }
    return sum / x.length;
  }

  static double sqnr(float[] x, float scale) {
    double signal = 0;
    double noise = 0;
    for (float v : x) {
      double d = Numerics.quantize(v, scale) * scale - (double) v;
      signal += (double) v * v;
      noise += d * d;
    }
    return 10 * Math.log10(signal / noise);
  }
}

package dev.octet.quant.calib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Shape;
import dev.octet.Tensor;
import dev.octet.quant.Layer;
import dev.octet.quant.QuantScheme;
import dev.octet.testing.Inputs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class CalibratorTest {
  static final QuantScheme SCHEME = QuantScheme.activations().perTensor().dynamic(false).build();

  static float[] map(float[] x, UnaryOperator<Float> f) {
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = f.apply(x[i]);
    }
    return y;
  }

  private final List<Layer<float[]>> layers =
      List.of(
          Layer.of("scale", x -> map(x, v -> 3 * v)),
          Layer.of("relu", x -> map(x, v -> Math.max(v, 0f))),
          Layer.of("shift", x -> map(x, v -> v - 1)));

  @Test
  void eachLayerGetsTheScaleOfItsInput() {
    long seed = Inputs.freshSeed();
    SplittableRandom rng = new SplittableRandom(seed);
    List<float[]> data = new ArrayList<>();
    for (int b = 0; b < 5; b++) {
      data.add(Inputs.gaussian(rng, 500, 1.0));
    }
    Calibrator.Result r = new Calibrator(SCHEME, PercentileObserver::new).calibrate(layers, data);
    assertEquals(List.of("scale", "relu", "shift"), List.copyOf(r.observers().keySet()));
    // Independently: feed each layer's input to its own observer.
    for (int i = 0; i < layers.size(); i++) {
      PercentileObserver o = new PercentileObserver(SCHEME);
      for (float[] x : data) {
        float[] in = x;
        for (int j = 0; j < i; j++) {
          in = layers.get(j).forward(in);
        }
        o.observe(in);
      }
      assertEquals(o.params(), r.params(layers.get(i).name()), "layer " + i + " seed " + seed);
    }
    assertEquals(2500, r.observers().get("relu").count());
    assertEquals(3, r.params().size());
    assertThrows(IllegalArgumentException.class, () -> r.params("nope"));
    assertThrows(IllegalArgumentException.class,
        () -> new Calibrator(SCHEME, MinMaxObserver::new).calibrate(layers, List.of()));
    assertThrows(IllegalArgumentException.class, // a dynamic scheme cannot be calibrated
        () -> new Calibrator(QuantScheme.activations().build(), MinMaxObserver::new));
    assertThrows(IllegalArgumentException.class,
        () -> new Calibrator(SCHEME, MinMaxObserver::new)
            .calibrate(List.of(layers.get(0), layers.get(0)), data));
  }

  @Test
  void deviceLayersCalibrateLikeHostLayersAndFreeTheirOutputs() {
    long seed = Inputs.freshSeed();
    SplittableRandom rng = new SplittableRandom(seed);
    List<float[]> data = new ArrayList<>();
    for (int b = 0; b < 4; b++) {
      data.add(Inputs.gaussian(rng, 64 * 8, 2.0));
    }
    Calibrator calibrator = new Calibrator(SCHEME, MseObserver::new);
    Calibrator.Result host = calibrator.calibrate(layers, data);
    List<Tensor> made = new ArrayList<>();
    try (Context ctx = Context.cpu()) {
      List<Layer<Tensor>> device = new ArrayList<>();
      for (Layer<float[]> l : layers) {
        device.add(Layer.of(l.name(), t -> {
          Tensor y = ctx.upload(l.forward(t.toFloatArray()), DType.FP32, t.shape());
          made.add(y);
          return y;
        }));
      }
      device.add(1, Layer.of("in-place", t -> t)); // returns its input: must not be closed early
      List<Tensor> batches = new ArrayList<>();
      for (float[] x : data) {
        batches.add(ctx.upload(x, DType.FP32, Shape.of(64, 8)));
      }
      Calibrator.Result r = calibrator.calibrateOnDevice(device, batches, null);
      for (Layer<float[]> l : layers) {
        assertEquals(host.params(l.name()), r.params(l.name()), l.name() + " seed " + seed);
      }
      assertEquals(r.params("relu"), r.params("in-place"));
      for (Tensor t : made) {
        assertTrue(t.isClosed(), "layer outputs are freed");
      }
      for (Tensor t : batches) {
        assertFalse(t.isClosed(), "the batches stay the caller's");
        t.close();
      }
    }
  }

  @Test
  void progressBarAppearsOnlyAfterTheDelay() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    AtomicLong now = new AtomicLong(0);
    ProgressBar bar = new ProgressBar(out, true, now::get, 10, "batches");
    bar.update(1);
    now.set(ProgressBar.DELAY_NANOS - 1);
    bar.update(2);
    assertEquals("", bytes.toString(StandardCharsets.UTF_8), "quiet during the first seconds");
    now.set(ProgressBar.DELAY_NANOS + 1);
    bar.update(5);
    String shown = bytes.toString(StandardCharsets.UTF_8);
    assertTrue(shown.startsWith("\r[===============               ] 5/10 batches"), shown);
    bar.finish(10);
    assertTrue(bytes.toString(StandardCharsets.UTF_8).endsWith("\n"));

    ByteArrayOutputStream quiet = new ByteArrayOutputStream();
    ProgressBar off =
        new ProgressBar(new PrintStream(quiet, true, StandardCharsets.UTF_8), false, now::get, -1, "x");
    now.set(Long.MAX_VALUE / 2);
    off.update(3);
    off.finish(3);
    assertEquals(0, quiet.size(), "quiet when not on a terminal");
    assertTrue(new ProgressBar(out, true, () -> 0, -1, "batches").line(7, 0).startsWith("7 batches"));
  }
}

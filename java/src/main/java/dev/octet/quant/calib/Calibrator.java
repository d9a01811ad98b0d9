package dev.octet.quant.calib;

import dev.octet.Stream;
import dev.octet.Tensor;
import dev.octet.quant.Layer;
import dev.octet.quant.QuantScheme;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A calibration run for static activation quantization: feeds every batch of a data source
 * through a sequence of layers, lets one observer per layer watch that layer's input, and then
 * gives each layer its static scale (and zero point). Memory is bounded by the observers'
 * statistics; no activation outlives its batch. On a terminal, a progress bar appears when the run
 * takes longer than a couple of seconds.
 *
 * <pre>{@code
 * var calibrator = new Calibrator(QuantScheme.activations().perTensor().dynamic(false).build(),
 *                                 PercentileObserver::new);
 * Calibrator.Result r = calibrator.calibrate(layers, batches);
 * QuantScheme.Params qkv = r.params("layers.0.qkv_proj");
 * }</pre>
 */
public final class Calibrator {
  private final QuantScheme scheme;
  private final Function<QuantScheme, ? extends Observer> observerFactory;

  /**
   * @param scheme the activations' scheme: static, per tensor
   * @param observerFactory makes one observer per layer, e.g. {@code PercentileObserver::new}
   */
  public Calibrator(QuantScheme scheme, Function<QuantScheme, ? extends Observer> observerFactory) {
    if (scheme == null || observerFactory == null) {
      throw new IllegalArgumentException("scheme and observerFactory must not be null");
    }
    this.scheme = scheme;
    this.observerFactory = observerFactory;
    observerFactory.apply(scheme); // fail now, not after the first batch, on a bad scheme
  }

  /** The observers of a run, per layer name in layer order, and the scales they give. */
  public record Result(Map<String, Observer> observers) {
    public Result {
      observers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(observers));
    }

    /** The static scale and zero point of {@code layer}'s input. */
    public QuantScheme.Params params(String layer) {
      Observer o = observers.get(layer);
      if (o == null) {
        throw new IllegalArgumentException("no layer named '" + layer + "' was calibrated");
      }
      return o.params();
    }

    /** Every layer's params, in layer order. */
    public Map<String, QuantScheme.Params> params() {
      Map<String, QuantScheme.Params> m = new LinkedHashMap<>();
      observers.forEach((name, o) -> m.put(name, o.params()));
      return m;
    }
  }

  /** Calibrates host layers over host batches. */
  public Result calibrate(List<? extends Layer<float[]>> layers, Iterable<float[]> data) {
    Map<String, Observer> observers = observersFor(layers);
    ProgressBar progress = ProgressBar.forTerminal(sizeOf(data), "batches");
    long done = 0;
    for (float[] batch : data) {
      float[] x = batch;
      for (Layer<float[]> layer : layers) {
        observers.get(layer.name()).observe(x);
        x = layer.forward(x);
      }
      progress.update(++done);
    }
    progress.finish(done);
    return finish(observers, done);
  }

  /**
   * Calibrates device layers over device batches; the statistics are computed on the device, on
   * {@code stream} (null: the default stream). Each layer's output is closed once the next layer
   * has consumed it (unless it is that layer's input: an in-place layer); the batches stay the
   * caller's.
   */
  public Result calibrateOnDevice(
      List<? extends Layer<Tensor>> layers, Iterable<Tensor> data, Stream stream) {
    Map<String, Observer> observers = observersFor(layers);
    ProgressBar progress = ProgressBar.forTerminal(sizeOf(data), "batches");
    long done = 0;
    for (Tensor batch : data) {
      Tensor x = batch;
      try {
        for (Layer<Tensor> layer : layers) {
          observers.get(layer.name()).observe(x, stream);
          Tensor y = layer.forward(x);
          if (x != batch && y != x) {
            x.close();
          }
          x = y;
        }
      } finally {
        if (x != batch) {
          x.close();
        }
      }
      progress.update(++done);
    }
    progress.finish(done);
    return finish(observers, done);
  }

  private Map<String, Observer> observersFor(List<? extends Layer<?>> layers) {
    if (layers == null || layers.isEmpty()) {
      throw new IllegalArgumentException("no layers to calibrate");
    }
    Map<String, Observer> observers = new LinkedHashMap<>();
    for (Layer<?> layer : layers) {
      if (observers.put(layer.name(), observerFactory.apply(scheme)) != null) {
        throw new IllegalArgumentException("two layers are named '" + layer.name() + "'");
      }
    }
    return observers;
  }

  private static Result finish(Map<String, Observer> observers, long batches) {
    if (batches == 0) {
      throw new IllegalArgumentException("the calibration data source gave no batch");
    }
    return new Result(observers);
  }

  private static long sizeOf(Iterable<?> data) {
    if (data == null) {
      throw new IllegalArgumentException("data is null");
    }
    return data instanceof Collection<?> c ? c.size() : -1;
  }
}

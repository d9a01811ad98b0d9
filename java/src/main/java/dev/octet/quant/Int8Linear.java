package dev.octet.quant;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Shape;
import dev.octet.Stream;
import dev.octet.Tensor;
import dev.octet.internal.Resources;

/**
 * A W8A8 linear layer: {@code y = dequant(quant(x) · Wq^T) + bias}. The weight is quantized to
 * INT8 per output channel once, at construction; each forward quantizes the activations to INT8
 * ({@link ActivationScheme}: dynamic per token, dynamic per tensor, or static with a calibrated
 * scale), runs the int8 tensor-core GEMM with int32 accumulation, and dequantizes in its
 * epilogue ({@link Int8Gemm}), writing FP16 or BF16 (x's dtype).
 *
 * <pre>{@code
 * try (Int8Linear layer = Int8Linear.builder(w).bias(b).build(stream);
 *     Tensor y = layer.forward(x, stream)) { ... }
 * }</pre>
 *
 * <p>The layer keeps a workspace for the quantized activations, grown to the largest M seen; so a
 * layer is not for concurrent use from several threads or streams at once. {@link #forwardInto}
 * allocates nothing while M stays within the workspace, so it can be captured in a CUDA graph.
 */
public final class Int8Linear implements QuantizedLinear {
  private final QuantizedWeight weight;
  private final LayerBias bias; // null without bias
  private final ActivationScheme scheme;
  private final Tensor scale; // [1]: the static scale (read) or the dynamic per-tensor one (written)
  private final Tensor smooth; // [K] FP32 or null
  private Tensor xq; // [capacity, K] INT8
  private Tensor tokenScales; // [capacity] FP32 (per token)
  private long viewRows = -1; // the M of the cached views below
  private Tensor xqView;
  private Tensor tokenScalesView;

  private Int8Linear(
      QuantizedWeight weight, LayerBias bias, ActivationScheme scheme, Tensor scale, Tensor smooth) {
    this.weight = weight;
    this.bias = bias;
    this.scheme = scheme;
    this.scale = scale;
    this.smooth = smooth;
  }

  /** A builder for a layer with {@code weight} ([N, K] FP32, FP16 or BF16). */
  public static Builder builder(Tensor weight) {
    return new Builder(weight);
  }

  /** Options of a W8A8 layer; defaults: no bias, dynamic per-token activations, no smoothing. */
  public static final class Builder {
    private final Tensor weight;
    private Tensor bias;
    private ActivationScheme scheme = ActivationScheme.DYNAMIC_PER_TOKEN;
    private float staticScale = Float.NaN;
    private float[] smoothing;

    private Builder(Tensor weight) {
      if (weight == null) {
        throw new IllegalArgumentException("weight is null");
      }
      if (weight.shape().rank() != 2 || !weight.dtype().isFloating()) {
        throw new IllegalArgumentException("weight must be a floating [N, K] tensor; got " + weight);
      }
      this.weight = weight;
    }

    /** A floating [N] bias of the weight's context, or null. */
    public Builder bias(Tensor bias) {
      this.bias = bias;
      return this;
    }

    /** A dynamic scheme; for the static one use {@link #staticScale(float)}. */
    public Builder scheme(ActivationScheme scheme) {
      if (scheme == null) {
        throw new IllegalArgumentException("scheme is null");
      }
      this.scheme = scheme;
      return this;
    }

    /** Static per-tensor activation quantization with a calibrated scale (positive, finite). */
    public Builder staticScale(float scale) {
      if (!(scale > 0) || !Float.isFinite(scale)) {
        throw new IllegalArgumentException(
            "staticScale is " + scale + "; it must be positive and finite");
      }
      this.scheme = ActivationScheme.STATIC_PER_TENSOR;
      this.staticScale = scale;
      return this;
    }

    /**
     * Per-input-channel multipliers [K] applied to x inside the activation quantization, e.g.
     * SmoothQuant's 1/s when the weight was given as W diag(s) (see {@link SmoothQuant}).
     */
    public Builder smoothing(float[] multipliers) {
      long k = weight.shape().dim(1);
      if (multipliers != null && multipliers.length != k) {
        throw new IllegalArgumentException(
            "smoothing has " + multipliers.length + " multipliers; the weight has K = " + k);
      }
      this.smoothing = multipliers == null ? null : multipliers.clone();
      return this;
    }

    /** Quantizes the weight on its backend; waits for {@code stream} to copy the bias. */
    public Int8Linear build(Stream stream) {
      if (scheme == ActivationScheme.STATIC_PER_TENSOR && Float.isNaN(staticScale)) {
        throw new IllegalArgumentException("the static scheme needs staticScale(scale)");
      }
      Context ctx = weight.context();
      long n = weight.shape().dim(0);
      long k = weight.shape().dim(1);
      LayerBias b = null;
      QuantizedWeight q = null;
      Tensor s = null;
      Tensor sm = null;
      try {
        b = LayerBias.of(bias, n, ctx, stream);
        q = QuantizedWeight.quantize(weight, 0, stream);
        s = ctx.upload(new float[] {staticScale}, DType.FP32, Shape.of(1));
        sm = smoothing == null ? null : ctx.upload(smoothing, DType.FP32, Shape.of(k));
        return new Int8Linear(q, b, scheme, s, sm);
      } catch (RuntimeException e) {
        Resources.closeIfPresent(b, q, s, sm);
        throw e;
      }
    }
  }


  /**
   * As {@link #forward}, into a caller-owned [M, N] {@code out} of x's dtype. Allocates device
   * memory only when M exceeds every earlier M (the workspace grows); otherwise nothing, so it
   * can be captured in a CUDA graph.
   */
  @Override
  public void forwardInto(Tensor x, Tensor out, Stream stream) {
    long m = Layers.requireInput(this, x, out);
    reserve(m);
    Tensor aScale = scheme.perToken() ? tokenScalesView : scale;
    ActivationQuantizer.quantizeInto(x, scheme, smooth, xqView, aScale, stream);
    Int8Gemm.run(
        xqView, weight.values(), aScale, weight.scales(), LayerBias.forDtype(bias, x.dtype()),
        out, stream);
  }

  /** Makes the workspace hold at least {@code m} rows and the cached views exactly {@code m}. */
  private void reserve(long m) {
    if (xq == null || xq.shape().dim(0) < m) {
      closeWorkspace();
      Context ctx = weight.values().context();
      xq = ctx.allocate(DType.INT8, Shape.of(m, inFeatures()));
      tokenScales = ctx.allocate(DType.FP32, Shape.of(m));
    }
    if (viewRows != m) {
      closeViews();
      xqView = xq.firstRows(m);
      tokenScalesView = tokenScales.firstRows(m);
      viewRows = m;
    }
  }

  private void closeViews() {
    Resources.closeIfPresent(xqView);
    Resources.closeIfPresent(tokenScalesView);
    xqView = tokenScalesView = null;
    viewRows = -1;
  }

  private void closeWorkspace() {
    closeViews();
    Resources.closeIfPresent(xq);
    Resources.closeIfPresent(tokenScales);
    xq = tokenScales = null;
  }

  /** The per-channel INT8 weight (owned by the layer). */
  @Override
  public QuantizedWeight weight() {
    return weight;
  }

  public ActivationScheme scheme() {
    return scheme;
  }

  public boolean hasBias() {
    return bias != null;
  }



  /** Frees the weight, the bias, the workspace; idempotent. Synchronise the stream first. */
  @Override
  public void close() {
    closeWorkspace();
    weight.close();
    scale.close();
    Resources.closeIfPresent(bias);
    Resources.closeIfPresent(smooth);
  }

}

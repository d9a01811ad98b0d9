package dev.octet.quant;

import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Shape;
import dev.octet.Stream;
import dev.octet.Tensor;
import dev.octet.internal.Resources;
import dev.octet.internal.Native;
import dev.octet.internal.ffi.OctetH;

/**
 * An LLM.int8() linear layer (Dettmers et al. 2022): {@code y = x W^T + bias} with the weight in
 * per-channel INT8 ({@link QuantizedWeight}, as in {@link Int8Linear}) and the activations split
 * by feature column at each forward:
 *
 * <ul>
 *   <li>the <b>outlier</b> columns, those where some token has |x| &gt; threshold (default 6.0),
 *       are multiplied in FP16/BF16 with FP32 accumulation against the dequantized weight columns;
 *   <li>the <b>regular</b> columns are quantized per token to INT8 (their absmax only) and run
 *       through the int8 tensor-core GEMM;
 *   <li>the outlier product joins the int8 GEMM: y = regular + outlier + bias, rounded once to
 *       x's dtype (on an H100 past decode sizes it is accumulated in FP32 inside the int8 GEMM's
 *       main loop; elsewhere it enters the GEMM's epilogue as its source term).
 * </ul>
 *
 * The outlier columns are found on the device each call; their number never travels to the host
 * (a forward neither allocates nor synchronises while M stays within the workspace, so it can be
 * captured in a CUDA graph), and {@link #lastOutlierCount()} reads it on demand. With no outlier
 * column the result equals {@link Int8Linear}'s dynamic per-token path bit for bit.
 *
 * <p>With more than K / 32 outlier columns (real checkpoints have such layers, typically the MLP
 * down projection) the split is promoted: every column is treated as an outlier, so the layer is
 * one FP16/BF16 product with the dequantized weight and costs about what {@link WeightOnlyLinear}
 * costs, however many outliers there are (on CUDA it computes exactly that layer's per-channel
 * result). {@link #lastOutlierCount()} still reports the columns over the threshold.
 *
 * <pre>{@code
 * try (LlmInt8Linear layer = LlmInt8Linear.builder(w).bias(b).threshold(6f).build(stream);
 *     Tensor y = layer.forward(x, stream)) { ... }
 * }</pre>
 *
 * <p>The layer keeps a workspace grown to the largest M seen (see {@code
 * oct_llm_int8_workspace_size}): not for concurrent use from several threads or streams at once.
 */
public final class LlmInt8Linear implements QuantizedLinear {
  /** The paper's threshold. */
  public static final float DEFAULT_THRESHOLD = 6.0f;

  private final QuantizedWeight weight;
  private final LayerBias bias; // null without bias
  private final float threshold;
  private final Tensor outlierCount; // INT32 [1], written by every forward
  private Tensor workspace; // INT8 [bytes for workspaceRows]
  private long workspaceRows;

  private LlmInt8Linear(QuantizedWeight weight, LayerBias bias, float threshold, Tensor count) {
    this.weight = weight;
    this.bias = bias;
    this.threshold = threshold;
    this.outlierCount = count;
  }

  /** A builder for a layer with {@code weight} ([N, K] FP32, FP16 or BF16). */
  public static Builder builder(Tensor weight) {
    return new Builder(weight);
  }

  /** Options of an LLM.int8() layer; defaults: no bias, threshold 6.0. */
  public static final class Builder {
    private final Tensor weight;
    private Tensor bias;
    private float threshold = DEFAULT_THRESHOLD;

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

    /** The outlier threshold on |x| (positive and finite). */
    public Builder threshold(float threshold) {
      if (!(threshold > 0) || !Float.isFinite(threshold)) {
        throw new IllegalArgumentException(
            "threshold is " + threshold + "; it must be positive and finite");
      }
      this.threshold = threshold;
      return this;
    }

    /** Quantizes the weight per channel on its backend; waits for {@code stream} to copy the bias. */
    public LlmInt8Linear build(Stream stream) {
      Context ctx = weight.context();
      long n = weight.shape().dim(0);
      LayerBias b = null;
      QuantizedWeight q = null;
      Tensor count = null;
      try {
        b = LayerBias.of(bias, n, ctx, stream);
        q = QuantizedWeight.quantize(weight, 0, stream);
        count = ctx.allocate(DType.INT32, Shape.of(1));
        return new LlmInt8Linear(q, b, threshold, count);
      } catch (RuntimeException e) {
        Resources.closeIfPresent(b, q, count);
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
    reserve(Layers.requireInput(this, x, out));
    Native.check(
        OctetH.oct_linear_llm_int8(
            x.nativeHandle(),
            threshold,
            weight.values().nativeHandle(),
            weight.scales().nativeHandle(),
            Native.handleOrNull(LayerBias.forDtype(bias, x.dtype())),
            workspace.nativeHandle(),
            Native.handle(out, "out"),
            outlierCount.nativeHandle(),
            Stream.nativeHandle(stream)),
        "oct_linear_llm_int8");
  }

  /**
   * The number of outlier columns of the last forward. It lives on the device: reading it
   * copies it to the host, which waits for the context's default stream (a synchronisation), so
   * call it after synchronising the stream of the forward, never inside a graph capture.
   */
  public int lastOutlierCount() {
    return outlierCount.toIntArray()[0];
  }

  /** The device-side outlier count [1] INT32 (owned by the layer), for reading without a sync. */
  public Tensor outlierCountTensor() {
    return outlierCount;
  }

  /** Bytes of workspace a forward of {@code m} rows needs ({@code oct_llm_int8_workspace_size}). */
  public long workspaceBytes(long m) {
    Native.ensureLoaded();
    long n = outFeatures();
    long k = inFeatures();
    return Native.outLong(
        "oct_llm_int8_workspace_size", out -> OctetH.oct_llm_int8_workspace_size(m, n, k, out));
  }

  private void reserve(long m) {
    if (workspace != null && workspaceRows >= m) {
      return;
    }
    long bytes = workspaceBytes(m);
    Resources.closeIfPresent(workspace);
    workspace = null;
    workspace = weight.values().context().allocate(DType.INT8, Shape.of(bytes));
    workspaceRows = m;
  }

  /** The per-channel INT8 weight (owned by the layer). */
  @Override
  public QuantizedWeight weight() {
    return weight;
  }

  public float threshold() {
    return threshold;
  }

  public boolean hasBias() {
    return bias != null;
  }



  /** Frees the weight, the bias, the workspace and the count; idempotent. Synchronise first. */
  @Override
  public void close() {
    Resources.closeIfPresent(workspace);
    workspace = null;
    weight.close();
    outlierCount.close();
    Resources.closeIfPresent(bias);
  }

}

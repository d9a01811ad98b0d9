package dev.octet.quant;

/** How activations are quantized to INT8 before an int8 GEMM ({@code oct_act_scheme_t}). */
public enum ActivationScheme {
  /** One scale per token (row), computed from the row's maximum at run time. */
  DYNAMIC_PER_TOKEN(0),
  /** One scale for the tensor, computed from its maximum at run time. */
  DYNAMIC_PER_TENSOR(1),
  /** One scale for the tensor, fixed in advance (calibrated). */
  STATIC_PER_TENSOR(2);

  private final int code;

  ActivationScheme(int code) {
    this.code = code;
  }

  /** The C value. */
  public int code() {
    return code;
  }

  /** True when there is one scale per row. */
  public boolean perToken() {
    return this == DYNAMIC_PER_TOKEN;
  }
}

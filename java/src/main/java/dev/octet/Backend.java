package dev.octet;

/** Where a context's tensors live and its operations run ({@code oct_backend_t}). */
public enum Backend {
  /** The reference backend in host memory; always available. */
  CPU(0),
  /** A CUDA GPU. */
  CUDA(1);

  private final int code;

  Backend(int code) {
    this.code = code;
  }

  /** The C value. */
  public int code() {
    return code;
  }
}

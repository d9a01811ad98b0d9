package dev.octet.checkpoint;

import java.io.IOException;

/**
 * A checkpoint file that is not what it claims to be: a malformed or truncated safetensors file
 * (bad header length, invalid JSON, unknown dtype, bad shape, offsets outside the data or
 * overlapping, ...) or a quantized checkpoint whose tensors or config.json do not match its
 * quantization config. The message names the file and what is wrong. The only exception, besides
 * the I/O errors of reading the file, that the readers of this package throw for bad input.
 */
public final class CheckpointFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public CheckpointFormatException(String message) {
    super(message);
  }

  public CheckpointFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}

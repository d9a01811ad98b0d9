/**
 * Octet: INT8 quantization for LLM inference on the JVM.
 *
 * <p>{@code dev.octet} holds the handles (contexts, streams, device tensors) and the types they
 * use; {@code dev.octet.quant} the quantized weights and operations; {@code dev.octet.reference}
 * the pure-Java reference implementation every backend is checked against. The native library
 * needs native access: run with {@code --enable-native-access=dev.octet} (module path) or
 * {@code --enable-native-access=ALL-UNNAMED} (class path).
 */
module dev.octet {
  exports dev.octet;
  exports dev.octet.quant;
  exports dev.octet.reference;
}

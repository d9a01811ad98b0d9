/**
 * Octet: INT8 quantization for LLM inference on the JVM.
 *
 * <p>{@code dev.octet} holds the handles (contexts, streams, device tensors) and the types they
 * use; {@code dev.octet.quant} the quantization schemes, quantized weights, SmoothQuant and the
 * accuracy metrics; {@code dev.octet.quant.calib} the calibration observers and the calibration
 * run; {@code dev.octet.checkpoint} safetensors files and quantized checkpoints in vLLM's
 * compressed-tensors layout; {@code dev.octet.reference} the pure-Java reference implementation
 * every backend is checked against. The native library needs native access: run with {@code --enable-native-access=dev.octet} (module path) or
 * {@code --enable-native-access=ALL-UNNAMED} (class path).
 */
module dev.octet {
  requires com.fasterxml.jackson.databind;
  requires java.desktop; // OutlierAnalysis draws its chart with java.awt.image + javax.imageio

  exports dev.octet;
  exports dev.octet.checkpoint;
  exports dev.octet.quant;
  exports dev.octet.quant.calib;
  exports dev.octet.reference;
}

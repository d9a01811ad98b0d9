package dev.octet.quant;

import dev.octet.Context;

/** LLM.int8() on liboctet's CPU backend: also bit-identical to the Java fp32 pipeline. */
class CpuLlmInt8LinearTest extends LlmInt8LinearContract {
  @Override
  Context openContext() {
    return Context.cpu();
  }

  @Override
  boolean sumsInColumnOrder() {
    return true;
  }
}

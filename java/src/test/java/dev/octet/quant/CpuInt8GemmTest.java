package dev.octet.quant;

import dev.octet.Context;

/** INT8 GEMM: Java reference vs liboctet's CPU backend (whose epilogue is bit-exact to it). */
class CpuInt8GemmTest extends Int8GemmContract {
  @Override
  Context openContext() {
    return Context.cpu();
  }

  @Override
  boolean epilogueBitExact() {
    return true;
  }
}

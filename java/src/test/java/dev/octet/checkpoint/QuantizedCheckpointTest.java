package dev.octet.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Shape;
import dev.octet.Tensor;
import dev.octet.quant.QuantScheme;
import dev.octet.quant.QuantizedWeight;
import dev.octet.reference.Int8Matrix;
import dev.octet.reference.ReferenceQuant;
import dev.octet.testing.Inputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuantizedCheckpointTest {
  @TempDir Path dir;

  private final long seed = Inputs.freshSeed();
  private final SplittableRandom rng = new SplittableRandom(seed);

  private QuantizedCheckpoint.Layer layer(String name, int n, int k, int group, Float inScale, Integer zp) {
    Int8Matrix m = ReferenceQuant.quantizeWeight(Inputs.gaussian(rng, n * k, 0.02), n, k, group);
    return new QuantizedCheckpoint.Layer(name, n, k, m.values(), m.scales(), inScale, zp);
  }

  @Test
  void saveThenLoadIsBitExactForEveryScheme() throws IOException {
    QuantScheme perChannel = QuantScheme.weights().build();
    QuantScheme perGroup = QuantScheme.weights().perGroup(32).build();
    QuantScheme dynamicTokens = QuantScheme.activations().build();
    QuantScheme staticSym = QuantScheme.activations().perTensor().dynamic(false).build();
    QuantScheme staticAsym =
        staticSym.toBuilder().asymmetric(QuantScheme.IntRange.SIGNED).build();
    record Case(QuantScheme w, QuantScheme a, int group) {}
    List<Case> cases =
        List.of(
            new Case(perChannel, dynamicTokens, 64),
            new Case(perGroup, null, 32),
            new Case(perChannel, staticSym, 64),
            new Case(perGroup, staticAsym, 32));
    int i = 0;
    for (Case c : cases) {
      boolean isStatic = c.a() != null && !c.a().dynamic();
      boolean asym = c.a() != null && !c.a().symmetric();
      List<QuantizedCheckpoint.Layer> layers = new ArrayList<>();
      for (String name : List.of("model.layers.0.self_attn.q_proj", "model.layers.0.mlp.down_proj")) {
        int k = 64 * (1 + rng.nextInt(3));
        layers.add(layer(name, 3 + rng.nextInt(40), k,
            c.w().granularity() == QuantScheme.Granularity.PER_GROUP ? c.group() : k,
            isStatic ? (float) rng.nextDouble(0.001, 1) : null,
            asym ? -128 + rng.nextInt(256) : null));
      }
      QuantizedCheckpoint ckpt =
          new QuantizedCheckpoint(c.w(), c.a(), isStatic ? "percentile" : null, layers,
              List.of("lm_head"), Map.of("octet.method", "smoothquant alpha=0.5"));
      Path d = dir.resolve("case" + i++);
      ckpt.save(d);
      QuantizedCheckpoint back = QuantizedCheckpoint.load(d);
      assertEquals(c.w(), back.weights());
      assertEquals(c.a(), back.inputActivations());
      assertEquals(ckpt.activationObserver(), back.activationObserver());
      assertEquals(List.of("lm_head"), back.ignore());
      assertEquals("smoothquant alpha=0.5", back.metadata().get("octet.method"));
      assertEquals(layers.size(), back.layers().size());
      for (int l = 0; l < layers.size(); l++) {
        QuantizedCheckpoint.Layer a = layers.get(l);
        QuantizedCheckpoint.Layer b = back.layers().get(l);
        assertTrue(QuantizedCheckpoint.sameBits(a, b), a.name() + " " + c + " seed " + seed);
        for (int s = 0; s < a.weightScale().length; s++) {
          assertEquals(Float.floatToRawIntBits(a.weightScale()[s]), Float.floatToRawIntBits(b.weightScale()[s]));
        }
      }
    }
  }

  @Test
  void layoutFollowsCompressedTensors() throws IOException {
    QuantScheme w = QuantScheme.weights().build();
    QuantScheme a = QuantScheme.activations().perTensor().dynamic(false).build();
    Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\", \"hidden_size\": 64}");
    new QuantizedCheckpoint(w, a, "entropy", List.of(layer("l0", 5, 64, 64, 0.5f, null)),
        List.of(), Map.of()).save(dir);
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
      assertEquals(SafetensorsDType.I8, f.entry("l0.weight").dtype());
      assertArrayEquals(new long[] {5, 64}, f.entry("l0.weight").shape());
      assertArrayEquals(new long[] {5, 1}, f.entry("l0.weight_scale").shape());
      assertEquals(SafetensorsDType.F32, f.entry("l0.weight_scale").dtype());
      assertArrayEquals(new long[] {1}, f.entry("l0.input_scale").shape());
      assertEquals("pt", f.metadata().get("format"));
    }
    JsonNode cfg = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
    assertEquals("llama", cfg.get("model_type").asText(), "the model's config is kept");
    JsonNode q = cfg.get("quantization_config");
    assertEquals("compressed-tensors", q.get("quant_method").asText());
    assertEquals("int-quantized", q.get("format").asText());
    JsonNode g = q.get("config_groups").get("group_0");
    assertEquals("Linear", g.get("targets").get(0).asText());
    JsonNode wa = g.get("weights");
    assertEquals(8, wa.get("num_bits").asInt());
    assertEquals("int", wa.get("type").asText());
    assertEquals("channel", wa.get("strategy").asText());
    assertTrue(wa.get("symmetric").asBoolean());
    assertTrue(wa.get("group_size").isNull());
    JsonNode ia = g.get("input_activations");
    assertEquals("tensor", ia.get("strategy").asText());
    assertEquals(false, ia.get("dynamic").asBoolean());
    assertEquals("entropy", ia.get("observer").asText());
  }

  @Test
  void readsATheirsStyleCheckpointWithBf16ScalesOfShapeN() throws IOException {
    // As llm-compressor writes W8A8 (dynamic per-token inputs): bf16 weight_scale [N, 1], plus
    // unquantized tensors beside the quantized ones.
    String config = """
        {"quantization_config": {"quant_method": "compressed-tensors", "format": "int-quantized",
          "config_groups": {"group_0": {"targets": ["Linear"],
            "weights": {"num_bits": 8, "type": "int", "symmetric": true, "strategy": "channel",
                        "dynamic": false, "group_size": null, "observer": "minmax"},
            "input_activations": {"num_bits": 8, "type": "int", "symmetric": true,
                        "strategy": "token", "dynamic": true, "observer": null}}},
          "ignore": ["lm_head"]}}""";
    Files.writeString(dir.resolve("config.json"), config);
    byte[] w = {1, -2, 3, -4, 5, -6};
    short[] scaleBf16 = {0x3c00, 0x3d00}; // 2^-7 and 2^-5
    java.nio.ByteBuffer sb = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    sb.putShort(scaleBf16[0]).putShort(scaleBf16[1]);
    SafetensorsWriter.write(dir.resolve("model.safetensors"), List.of(
        SafetensorsWriter.TensorData.i8("m.proj.weight", new long[] {2, 3}, w),
        new SafetensorsWriter.TensorData("m.proj.weight_scale", SafetensorsDType.BF16,
            new long[] {2, 1}, java.lang.foreign.MemorySegment.ofArray(sb.array())),
        SafetensorsWriter.TensorData.f32("m.norm.weight", new long[] {3}, new float[] {1, 1, 1})),
        Map.of("format", "pt"));
    QuantizedCheckpoint c = QuantizedCheckpoint.load(dir);
    assertEquals(1, c.layers().size());
    QuantizedCheckpoint.Layer l = c.layers().get(0);
    assertEquals("m.proj", l.name());
    assertArrayEquals(w, l.weight());
    assertArrayEquals(new float[] {0x1p-7f, 0x1p-5f}, l.weightScale());
    assertNull(l.inputScale());
    assertEquals(QuantScheme.Granularity.PER_TOKEN, c.inputActivations().granularity());
  }

  @Test
  void inconsistentCheckpointsGetClearErrors() throws IOException {
    QuantScheme w = QuantScheme.weights().perGroup(32).build();
    new QuantizedCheckpoint(w, null, null, List.of(layer("l0", 4, 64, 32, null, null)), List.of(), Map.of())
        .save(dir);
    Path cfg = dir.resolve("config.json");
    String good = Files.readString(cfg);
    Files.writeString(cfg, good.replace("\"group_size\" : 32", "\"group_size\" : 16"));
    assertMessage("weight_scale", () -> QuantizedCheckpoint.load(dir));
    Files.writeString(cfg, good.replace("\"num_bits\" : 8", "\"num_bits\" : 4"));
    assertMessage("num_bits", () -> QuantizedCheckpoint.load(dir));
    Files.writeString(cfg, good.replace("int-quantized", "pack-quantized"));
    assertMessage("pack-quantized", () -> QuantizedCheckpoint.load(dir));
    Files.writeString(cfg, good.replace("\"symmetric\" : true", "\"symmetric\" : false"));
    assertMessage("activations only", () -> QuantizedCheckpoint.load(dir));
    Files.writeString(cfg, "{");
    assertMessage("invalid JSON", () -> QuantizedCheckpoint.load(dir));
    Files.writeString(cfg, good.replace("\"input_activations\" : null",
        "\"input_activations\" : {\"num_bits\": 8, \"type\": \"int\", \"strategy\": \"tensor\", \"dynamic\": false}"));
    assertMessage("input_scale' is missing", () -> QuantizedCheckpoint.load(dir));
  }

  @Test
  void deviceWeightsBecomeCheckpointLayers() throws IOException {
    float[] w = Inputs.gaussian(rng, 8 * 64, 0.1);
    try (Context ctx = Context.cpu();
        Tensor t = ctx.upload(w, DType.FP32, Shape.of(8, 64));
        QuantizedWeight qw = QuantizedWeight.quantize(t, null)) {
      QuantizedCheckpoint.Layer l = QuantizedCheckpoint.Layer.of("x", qw, null, null);
      Int8Matrix ref = ReferenceQuant.quantizePerChannel(w, 8, 64);
      assertArrayEquals(ref.values(), l.weight());
      assertArrayEquals(ref.scales(), l.weightScale());
      new QuantizedCheckpoint(QuantScheme.weights().build(), null, null, List.of(l), List.of(), Map.of())
          .save(dir);
      assertTrue(QuantizedCheckpoint.sameBits(l, QuantizedCheckpoint.load(dir).layers().get(0)));
    }
  }

  private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable e) {
    CheckpointFormatException x = assertThrows(CheckpointFormatException.class, e);
    assertTrue(x.getMessage().contains(fragment), "'" + fragment + "' not in: " + x.getMessage());
  }
}

package dev.octet.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octet.checkpoint.SafetensorsWriter.TensorData;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
  @TempDir Path dir;

  @Test
  void writeThenReadIsBitExact() throws IOException {
    float[] f = {1.5f, -0f, Float.NaN, Float.MIN_VALUE, -3e38f, 7f};
    byte[] b = {-128, 127, 0, 5};
    int[] i = {Integer.MIN_VALUE, 1, -1};
    Path p = dir.resolve("t.safetensors");
    SafetensorsWriter.write(
        p,
        List.of(
            TensorData.f32("a.f", new long[] {2, 3}, f),
            TensorData.i8("b.i8", new long[] {4}, b),
            TensorData.i32("c", new long[] {3}, i),
            TensorData.f32("scalar", new long[] {}, new float[] {2f}),
            TensorData.f32("empty", new long[] {0, 5}, new float[0])),
        Map.of("format", "pt", "who", "octet"));
    assertEquals(0, (Files.size(p) - 8 - 4 * 6 - 4 - 12 - 4) % 8, "header padded to 8 bytes");
    try (SafetensorsFile s = SafetensorsFile.open(p)) {
      assertEquals(List.of("a.f", "b.i8", "c", "scalar", "empty"), List.copyOf(s.tensors().keySet()));
      assertEquals("octet", s.metadata().get("who"));
      float[] back = s.toFloatArray("a.f");
      for (int k = 0; k < f.length; k++) {
        assertEquals(Float.floatToRawIntBits(f[k]), Float.floatToRawIntBits(back[k]));
      }
      assertArrayEquals(b, s.toByteArray("b.i8"));
      assertArrayEquals(i, s.toIntArray("c"));
      assertArrayEquals(new long[] {}, s.entry("scalar").shape());
      assertEquals(2f, s.toFloatArray("scalar")[0]);
      assertEquals(0, s.entry("empty").numel());
      assertArrayEquals(new long[] {2, 3}, s.entry("a.f").shape());
      assertThrows(IllegalArgumentException.class, () -> s.entry("nope"));
      s.close();
      s.close(); // idempotent
      assertThrows(IllegalStateException.class, () -> s.toByteArray("b.i8"));
    }
  }

  @Test
  void malformedFilesGetClearErrors() throws IOException {
    expect("8-byte header length", new byte[5]);
    expect("exceeds the limit", withLength(Long.MAX_VALUE, "{}"));
    expect("exceeds the limit", withLength(-1, "{}")); // 2^64 - 1
    expect("truncated", withLength(1000, "{}"));
    expect("not valid JSON", file("{\"a\": "));
    expect("not valid JSON", file("{} trailing"));
    expect("not valid JSON", file("{\"a\": 1, \"a\": 2}")); // duplicate key
    expect("not a JSON object", file("[1, 2]"));
    expect("unknown dtype 'Q7'", entry("{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,1]}", 1));
    expect("non-string 'dtype'", entry("{\"dtype\":5,\"shape\":[1],\"data_offsets\":[0,1]}", 1));
    expect("shape[0]", entry("{\"dtype\":\"I8\",\"shape\":[-1],\"data_offsets\":[0,1]}", 1));
    expect("shape[0]", entry("{\"dtype\":\"I8\",\"shape\":[1.5],\"data_offsets\":[0,1]}", 1));
    expect("shape[0]", entry("{\"dtype\":\"I8\",\"shape\":[99999999999999999999],\"data_offsets\":[0,1]}", 1));
    expect("more elements than fit",
        entry("{\"dtype\":\"I8\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,1]}", 1));
    expect("overflows", entry("{\"dtype\":\"F64\",\"shape\":[4611686018427387904],\"data_offsets\":[0,1]}", 1));
    expect("begin <= end", entry("{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[1,0]}", 1));
    expect("begin <= end", entry("{\"dtype\":\"I8\",\"shape\":[4],\"data_offsets\":[0,4]}", 2));
    expect("needs 8", entry("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}", 8));
    expect("[begin, end]", entry("{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0]}", 1));
    expect("entry is not an object", entry("[]", 1));
    expect("__metadata__", file("{\"__metadata__\": {\"a\": 1}}"));
    expect("overlap",
        file("{\"a\":{\"dtype\":\"I8\",\"shape\":[4],\"data_offsets\":[0,4]},"
            + "\"b\":{\"dtype\":\"I8\",\"shape\":[4],\"data_offsets\":[2,6]}}", 8));
    expect("not valid JSON", withLength(3, new byte[] {'{', (byte) 0xff, '}'})); // bad UTF-8
  }

  @Test
  void readsTheHuggingFaceLlamaCheckpoint() throws IOException {
    Optional<Path> shared = SharedDir.find();
    Assumptions.assumeTrue(
        shared.isPresent(),
        "shared dir not found (set -Doctet.shared.dir or OCTET_SHARED_DIR): Llama checkpoint test"
            + " skipped");
    Path model = shared.get().resolve("models/sotu-llama-7m");
    Assumptions.assumeTrue(
        Files.exists(model.resolve("model.safetensors")), model + "/model.safetensors is absent");
    JsonNode cfg = new ObjectMapper().readTree(Files.readString(model.resolve("config.json")));
    long hidden = cfg.get("hidden_size").asLong();
    long inter = cfg.get("intermediate_size").asLong();
    long vocab = cfg.get("vocab_size").asLong();
    int layers = cfg.get("num_hidden_layers").asInt();
    long headDim = cfg.has("head_dim") ? cfg.get("head_dim").asLong()
        : hidden / cfg.get("num_attention_heads").asLong();
    long q = cfg.get("num_attention_heads").asLong() * headDim;
    long kv = cfg.get("num_key_value_heads").asLong() * headDim;
    try (SafetensorsFile f = SafetensorsFile.open(model.resolve("model.safetensors"))) {
      Map<String, long[]> expected = new java.util.LinkedHashMap<>();
      expected.put("model.embed_tokens.weight", new long[] {vocab, hidden});
      expected.put("model.norm.weight", new long[] {hidden});
      if (!cfg.path("tie_word_embeddings").asBoolean(false)) {
        expected.put("lm_head.weight", new long[] {vocab, hidden});
      }
      for (int l = 0; l < layers; l++) {
        String p = "model.layers." + l + ".";
        expected.put(p + "input_layernorm.weight", new long[] {hidden});
        expected.put(p + "post_attention_layernorm.weight", new long[] {hidden});
        expected.put(p + "self_attn.q_proj.weight", new long[] {q, hidden});
        expected.put(p + "self_attn.k_proj.weight", new long[] {kv, hidden});
        expected.put(p + "self_attn.v_proj.weight", new long[] {kv, hidden});
        expected.put(p + "self_attn.o_proj.weight", new long[] {hidden, q});
        expected.put(p + "mlp.gate_proj.weight", new long[] {inter, hidden});
        expected.put(p + "mlp.up_proj.weight", new long[] {inter, hidden});
        expected.put(p + "mlp.down_proj.weight", new long[] {hidden, inter});
      }
      assertEquals(expected.keySet(), f.tensors().keySet());
      for (var e : expected.entrySet()) {
        SafetensorsFile.Entry t = f.entry(e.getKey());
        assertArrayEquals(e.getValue(), t.shape(), e.getKey());
        assertEquals(SafetensorsDType.BF16, t.dtype(), e.getKey());
      }
      float[] norm = f.toFloatArray("model.layers.0.input_layernorm.weight");
      float[] emb = f.toFloatArray("model.embed_tokens.weight");
      double sumSq = 0;
      for (float v : emb) {
        assertTrue(Float.isFinite(v));
        sumSq += (double) v * v;
      }
      double rms = Math.sqrt(sumSq / emb.length);
      assertTrue(rms > 1e-4 && rms < 10, "embedding RMS " + rms + " is plausible");
      for (float v : norm) {
        assertTrue(Float.isFinite(v) && v != 0f, "norm weights are finite and non-zero");
      }
    }
  }

  // ---- helpers: build raw files

  private void expect(String fragment, byte[] bytes) throws IOException {
    CheckpointFormatException e =
        assertThrows(
            CheckpointFormatException.class,
            () -> SafetensorsFile.parse("mem", MemorySegment.ofArray(bytes)).close());
    assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' not in: " + e.getMessage());
    Path p = dir.resolve("bad.safetensors");
    Files.write(p, bytes);
    CheckpointFormatException f =
        assertThrows(CheckpointFormatException.class, () -> SafetensorsFile.open(p).close());
    assertTrue(f.getMessage().startsWith(p.toString()), f.getMessage());
  }

  static byte[] file(String header) {
    return file(header, 0);
  }

  static byte[] file(String header, int dataBytes) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    return b.array();
  }

  static byte[] entry(String entryJson, int dataBytes) {
    return file("{\"t\": " + entryJson + "}", dataBytes);
  }

  static byte[] withLength(long length, String header) {
    return withLength(length, header.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] withLength(long length, byte[] h) {
    ByteBuffer b = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(length).put(h);
    return b.array();
  }
}

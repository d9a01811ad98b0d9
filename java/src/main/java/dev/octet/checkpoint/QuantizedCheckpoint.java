package dev.octet.checkpoint;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octet.checkpoint.SafetensorsWriter.TensorData;
import dev.octet.quant.QuantScheme;
import dev.octet.quant.QuantScheme.Granularity;
import dev.octet.quant.QuantizedWeight;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Quantized linear layers saved the way vLLM's compressed-tensors format lays them out, so that
 * vLLM and llm-compressor read what Octet writes and Octet reads theirs (INT8, format
 * "int-quantized"). A checkpoint directory holds:
 *
 * <ul>
 *   <li>{@code model.safetensors}: per layer {@code <layer>.weight} I8 [N, K], {@code
 *       <layer>.weight_scale} F32 ([N, 1] per channel, [N, K / group] per group, [1] per tensor),
 *       for static activations {@code <layer>.input_scale} F32 [1] and, when asymmetric, {@code
 *       <layer>.input_zero_point} I8 [1]; the method metadata in the header's {@code
 *       __metadata__} (with {@code "format": "pt"});
 *   <li>{@code config.json}: {@code quantization_config} with {@code quant_method
 *       "compressed-tensors"}, {@code format "int-quantized"} and one config group ({@code
 *       targets ["Linear"]}) whose {@code weights} and {@code input_activations} give num_bits,
 *       type "int", symmetric, strategy ("tensor", "channel", "group", "token"), group_size,
 *       dynamic and observer. An existing config.json (the model's) keeps its other keys.
 * </ul>
 *
 * Loading accepts scales stored as F32, F16 or BF16 and per-channel scales of shape [N] or [N, 1];
 * every inconsistency between the config and the tensors is a {@link CheckpointFormatException}.
 *
 * @param weights the weights' scheme (symmetric, static)
 * @param inputActivations the input activations' scheme, or null for weight-only quantization
 * @param activationObserver the observer that calibrated static input scales (e.g. "percentile"),
 *     or null
 * @param layers the quantized layers, in order
 * @param ignore layers left unquantized (e.g. "lm_head"), recorded in the config
 * @param metadata free-form method metadata (e.g. "octet.method": "smoothquant alpha=0.5")
 */
public record QuantizedCheckpoint(
    QuantScheme weights,
    QuantScheme inputActivations,
    String activationObserver,
    List<Layer> layers,
    List<String> ignore,
    Map<String, String> metadata) {

  /** The file names inside a checkpoint directory. */
  public static final String TENSORS_FILE = "model.safetensors";

  public static final String CONFIG_FILE = "config.json";

  /**
   * One quantized linear layer: W[n, k] ~ weight[n, k] * weightScale[n, k / groupSize].
   *
   * @param name the module path, e.g. "model.layers.0.self_attn.q_proj"
   * @param weight int8 values [outFeatures, inFeatures], row-major
   * @param weightScale [1] per tensor, [N] per channel, [N * K / group] per group
   * @param inputScale the static input scale, or null for dynamic or no activation quantization
   * @param inputZeroPoint the static input zero point (asymmetric), else null
   */
  public record Layer(
      String name,
      int outFeatures,
      int inFeatures,
      byte[] weight,
      float[] weightScale,
      Float inputScale,
      Integer inputZeroPoint) {
    public Layer {
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException("layer name is empty");
      }
      if (outFeatures < 1 || inFeatures < 1 || weight.length != (long) outFeatures * inFeatures) {
        throw new IllegalArgumentException(
            name + ": weight has " + weight.length + " values for [" + outFeatures + ", "
                + inFeatures + "]");
      }
    }

    /** The layer of a device weight (copies values and scales to the host). */
    public static Layer of(String name, QuantizedWeight w, Float inputScale, Integer inputZeroPoint) {
      return new Layer(
          name,
          Math.toIntExact(w.outFeatures()),
          Math.toIntExact(w.inFeatures()),
          w.values().toByteArray(),
          w.scales().toFloatArray(),
          inputScale,
          inputZeroPoint);
    }
  }

  public QuantizedCheckpoint {
    if (weights == null || weights.role() != QuantScheme.Role.WEIGHTS) {
      throw new IllegalArgumentException("weights must be a WEIGHTS scheme; got " + weights);
    }
    if (inputActivations != null && inputActivations.role() != QuantScheme.Role.ACTIVATIONS) {
      throw new IllegalArgumentException(
          "inputActivations must be an ACTIVATIONS scheme; got " + inputActivations);
    }
    layers = List.copyOf(layers);
    ignore = List.copyOf(ignore);
    metadata = Map.copyOf(metadata);
  }

  // ---------------------------------------------------------------- save

  /** Writes model.safetensors and config.json (merged into an existing one) into {@code dir}. */
  public void save(Path dir) throws IOException {
    boolean staticInputs = inputActivations != null && !inputActivations.dynamic();
    if (inputActivations != null && inputActivations.range() == QuantScheme.IntRange.UNSIGNED) {
      throw new IllegalArgumentException(
          "compressed-tensors stores asymmetric int8 activations in [-128, 127]; use"
              + " IntRange.SIGNED, not UNSIGNED");
    }
    List<TensorData> tensors = new ArrayList<>();
    for (Layer l : layers) {
      long n = l.outFeatures();
      long k = l.inFeatures();
      long[] scaleShape =
          switch (weights.granularity()) {
            case PER_TENSOR -> new long[] {1};
            case PER_CHANNEL -> new long[] {n, 1};
            case PER_GROUP -> {
              if (k % weights.groupSize() != 0) {
                throw new IllegalArgumentException(
                    l.name() + ": group size " + weights.groupSize() + " does not divide K = " + k);
              }
              yield new long[] {n, k / weights.groupSize()};
            }
            case PER_TOKEN -> throw new IllegalStateException("not a weight granularity");
          };
      tensors.add(TensorData.i8(l.name() + ".weight", new long[] {n, k}, l.weight()));
      tensors.add(TensorData.f32(l.name() + ".weight_scale", scaleShape, l.weightScale()));
      if (staticInputs) {
        if (l.inputScale() == null) {
          throw new IllegalArgumentException(l.name() + ": static input activations need an input scale");
        }
        tensors.add(
            TensorData.f32(l.name() + ".input_scale", new long[] {1}, new float[] {l.inputScale()}));
        if (!inputActivations.symmetric()) {
          if (l.inputZeroPoint() == null) {
            throw new IllegalArgumentException(l.name() + ": asymmetric inputs need a zero point");
          }
          tensors.add(
              TensorData.i8(
                  l.name() + ".input_zero_point",
                  new long[] {1},
                  new byte[] {(byte) (int) l.inputZeroPoint()}));
        }
      }
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "pt");
    meta.putAll(metadata);
    Files.createDirectories(dir);
    SafetensorsWriter.write(dir.resolve(TENSORS_FILE), tensors, meta);

    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    Path configPath = dir.resolve(CONFIG_FILE);
    ObjectNode config = mapper.createObjectNode();
    if (Files.exists(configPath)) {
      JsonNode existing = readJson(configPath);
      if (!existing.isObject()) {
        throw new CheckpointFormatException(configPath + ": not a JSON object");
      }
      config = (ObjectNode) existing;
    }
    config.set("quantization_config", quantizationConfig(mapper));
    Files.writeString(configPath, mapper.writeValueAsString(config));
  }

  private ObjectNode quantizationConfig(ObjectMapper mapper) {
    ObjectNode q = mapper.createObjectNode();
    q.put("quant_method", "compressed-tensors");
    q.put("format", "int-quantized");
    q.put("quantization_status", "compressed");
    ObjectNode group = q.putObject("config_groups").putObject("group_0");
    group.putArray("targets").add("Linear");
    group.set("weights", args(mapper, weights, "minmax"));
    if (inputActivations != null) {
      group.set("input_activations", args(mapper, inputActivations, activationObserver));
    } else {
      group.putNull("input_activations");
    }
    group.putNull("output_activations");
    group.put("format", "int-quantized");
    var ign = q.putArray("ignore");
    ignore.forEach(ign::add);
    q.putNull("kv_cache_scheme");
    return q;
  }

  private static ObjectNode args(ObjectMapper mapper, QuantScheme s, String observer) {
    ObjectNode a = mapper.createObjectNode();
    a.put("num_bits", s.bits());
    a.put("type", "int");
    a.put("symmetric", s.symmetric());
    a.put("strategy", strategy(s.granularity()));
    if (s.granularity() == Granularity.PER_GROUP) {
      a.put("group_size", s.groupSize());
    } else {
      a.putNull("group_size");
    }
    a.put("dynamic", s.dynamic());
    if (observer == null || s.dynamic()) {
      a.putNull("observer");
    } else {
      a.put("observer", observer);
    }
    a.putObject("observer_kwargs");
    a.putNull("actorder");
    a.putNull("block_structure");
    return a;
  }

  private static String strategy(Granularity g) {
    return switch (g) {
      case PER_TENSOR -> "tensor";
      case PER_CHANNEL -> "channel";
      case PER_GROUP -> "group";
      case PER_TOKEN -> "token";
    };
  }

  // ---------------------------------------------------------------- load

  /** Reads a checkpoint directory written by {@link #save} or by compressed-tensors tools. */
  public static QuantizedCheckpoint load(Path dir) throws IOException {
    Path configPath = dir.resolve(CONFIG_FILE);
    JsonNode config = readJson(configPath);
    JsonNode q = config.get("quantization_config");
    if (q == null || !q.isObject()) {
      throw new CheckpointFormatException(configPath + ": no quantization_config object");
    }
    String where = configPath + ": quantization_config";
    String method = text(q, "quant_method");
    if (method != null && !method.equals("compressed-tensors")) {
      throw new CheckpointFormatException(where + ".quant_method is '" + method + "'; expected"
          + " 'compressed-tensors'");
    }
    JsonNode groups = q.get("config_groups");
    if (groups == null || !groups.isObject() || groups.size() != 1) {
      throw new CheckpointFormatException(
          where + ".config_groups must hold exactly one group (Octet reads single-scheme"
              + " checkpoints); got " + (groups == null ? "none" : groups.size()));
    }
    JsonNode group = groups.properties().iterator().next().getValue();
    String format = text(group, "format") != null ? text(group, "format") : text(q, "format");
    if (!"int-quantized".equals(format)) {
      throw new CheckpointFormatException(
          where + ": format '" + format + "' is not supported; Octet reads 'int-quantized'");
    }
    QuantScheme weights = scheme(where + ".weights", group.get("weights"), QuantScheme.Role.WEIGHTS);
    if (weights == null) {
      throw new CheckpointFormatException(where + ": the group has no weights arguments");
    }
    JsonNode actArgs = group.get("input_activations");
    QuantScheme acts = scheme(where + ".input_activations", actArgs, QuantScheme.Role.ACTIVATIONS);
    String observer = acts == null ? null : text(actArgs, "observer");
    List<String> ignore = new ArrayList<>();
    JsonNode ign = q.get("ignore");
    if (ign != null && ign.isArray()) {
      for (JsonNode n : ign) {
        ignore.add(n.asText());
      }
    }

    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(TENSORS_FILE))) {
      List<Layer> layers = new ArrayList<>();
      for (String name : f.tensors().keySet()) {
        if (name.endsWith(".weight_scale")) {
          String layer = name.substring(0, name.length() - ".weight_scale".length());
          layers.add(layer(f, layer, weights, acts));
        }
      }
      Map<String, String> meta = new LinkedHashMap<>(f.metadata());
      meta.remove("format");
      return new QuantizedCheckpoint(weights, acts, observer, layers, ignore, meta);
    }
  }

  private static Layer layer(SafetensorsFile f, String layer, QuantScheme w, QuantScheme acts)
      throws CheckpointFormatException {
    String where = f.source() + ": layer '" + layer + "': ";
    SafetensorsFile.Entry weight = require(f, layer + ".weight", where);
    if (weight.dtype() != SafetensorsDType.I8 || weight.shape().length != 2) {
      throw new CheckpointFormatException(where + "weight is " + weight + "; expected I8 [N, K]");
    }
    long n = weight.shape()[0];
    long k = weight.shape()[1];
    if (n < 1 || k < 1 || n * k > Integer.MAX_VALUE - 8) {
      throw new CheckpointFormatException(where + "weight shape [" + n + ", " + k + "] not supported");
    }
    SafetensorsFile.Entry scale = require(f, layer + ".weight_scale", where);
    requireFloat(scale, where);
    long[] ss = scale.shape();
    boolean ok =
        switch (w.granularity()) {
          case PER_TENSOR -> scale.numel() == 1 && ss.length <= 1;
          case PER_CHANNEL ->
              (ss.length == 1 && ss[0] == n) || (ss.length == 2 && ss[0] == n && ss[1] == 1);
          case PER_GROUP ->
              k % w.groupSize() == 0 && ss.length == 2 && ss[0] == n && ss[1] == k / w.groupSize();
          case PER_TOKEN -> false;
        };
    if (!ok) {
      throw new CheckpointFormatException(
          where + "weight_scale is " + scale + "; does not fit strategy " + strategy(w.granularity())
              + (w.groupSize() > 0 ? " group_size " + w.groupSize() : "") + " for a [" + n + ", "
              + k + "] weight");
    }
    if (f.contains(layer + ".weight_zero_point")) {
      float[] zp = floats(f, require(f, layer + ".weight_zero_point", where), where);
      for (float z : zp) {
        if (z != 0) {
          throw new CheckpointFormatException(
              where + "weight_zero_point is non-zero, but the weights are symmetric");
        }
      }
    }
    Float inputScale = null;
    Integer inputZero = null;
    if (acts != null && !acts.dynamic()) {
      SafetensorsFile.Entry is = require(f, layer + ".input_scale", where);
      requireFloat(is, where);
      if (is.numel() != 1) {
        throw new CheckpointFormatException(where + "input_scale is " + is + "; expected one value");
      }
      inputScale = f.toFloatArray(is.name())[0];
      if (!(inputScale > 0) || !Float.isFinite(inputScale)) {
        throw new CheckpointFormatException(where + "input_scale is " + inputScale);
      }
      if (!acts.symmetric()) {
        SafetensorsFile.Entry iz = require(f, layer + ".input_zero_point", where);
        float[] z = floats(f, iz, where);
        if (z.length != 1 || z[0] < acts.qmin() || z[0] > acts.qmax() || z[0] != Math.rint(z[0])) {
          throw new CheckpointFormatException(where + "input_zero_point " + iz + " is not one int8");
        }
        inputZero = (int) z[0];
      }
    }
    return new Layer(
        layer,
        (int) n,
        (int) k,
        f.toByteArray(weight.name()),
        f.toFloatArray(scale.name()),
        inputScale,
        inputZero);
  }

  private static SafetensorsFile.Entry require(SafetensorsFile f, String name, String where)
      throws CheckpointFormatException {
    if (!f.contains(name)) {
      throw new CheckpointFormatException(where + "tensor '" + name + "' is missing");
    }
    return f.entry(name);
  }

  private static void requireFloat(SafetensorsFile.Entry e, String where)
      throws CheckpointFormatException {
    switch (e.dtype()) {
      case F32, F16, BF16 -> {}
      default -> throw new CheckpointFormatException(where + e + ": scales must be F32, F16 or BF16");
    }
  }

  private static float[] floats(SafetensorsFile f, SafetensorsFile.Entry e, String where)
      throws CheckpointFormatException {
    switch (e.dtype()) {
      case F32, F16, BF16, I8, U8, I32 -> {}
      default -> throw new CheckpointFormatException(where + e + ": unexpected dtype " + e.dtype());
    }
    if (e.numel() > 1 << 24) {
      throw new CheckpointFormatException(where + e + ": too many values");
    }
    return f.toFloatArray(e.name());
  }

  private static QuantScheme scheme(String where, JsonNode a, QuantScheme.Role role)
      throws CheckpointFormatException {
    if (a == null || a.isNull()) {
      return null;
    }
    if (!a.isObject()) {
      throw new CheckpointFormatException(where + " is not an object");
    }
    int bits = a.path("num_bits").asInt(-1);
    String type = text(a, "type");
    if (bits != 8 || !"int".equals(type)) {
      throw new CheckpointFormatException(
          where + ": num_bits " + a.get("num_bits") + " type " + type + " is not supported;"
              + " Octet reads 8-bit int");
    }
    boolean symmetric = a.path("symmetric").asBoolean(true);
    boolean dynamic = a.path("dynamic").asBoolean(false);
    String strategy = text(a, "strategy");
    JsonNode gs = a.get("group_size");
    int groupSize = gs == null || gs.isNull() ? 0 : gs.asInt(-1);
    Granularity g =
        switch (strategy == null ? "tensor" : strategy) {
          case "tensor" -> Granularity.PER_TENSOR;
          case "channel" -> Granularity.PER_CHANNEL;
          case "group" -> Granularity.PER_GROUP;
          case "token" -> Granularity.PER_TOKEN;
          default -> throw new CheckpointFormatException(
              where + ": strategy '" + strategy + "' is not supported");
        };
    try {
      return new QuantScheme(
          role,
          bits,
          symmetric,
          g,
          g == Granularity.PER_GROUP ? groupSize : 0,
          QuantScheme.Rounding.HALF_EVEN,
          symmetric ? QuantScheme.IntRange.SYMMETRIC : QuantScheme.IntRange.SIGNED,
          dynamic);
    } catch (IllegalArgumentException e) {
      throw new CheckpointFormatException(where + ": " + e.getMessage(), e);
    }
  }

  private static String text(JsonNode o, String key) {
    JsonNode v = o.get(key);
    return v != null && v.isTextual() ? v.textValue() : null;
  }

  private static JsonNode readJson(Path path) throws IOException {
    long size = Files.size(path);
    if (size > SafetensorsFile.MAX_HEADER_BYTES) {
      throw new CheckpointFormatException(path + ": " + size + " bytes is too large for a config");
    }
    try {
      JsonNode n = new ObjectMapper().readTree(Files.readAllBytes(path));
      if (n == null || !n.isObject()) {
        throw new CheckpointFormatException(path + ": not a JSON object");
      }
      return n;
    } catch (JacksonException e) {
      throw new CheckpointFormatException(path + ": invalid JSON: " + e.getOriginalMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "QuantizedCheckpoint(" + layers.size() + " layers, weights " + weights
        + ", inputs " + inputActivations + ")";
  }

  /** Whether two layers hold bit-identical values, scales and input parameters. */
  public static boolean sameBits(Layer a, Layer b) {
    return a.name().equals(b.name())
        && a.outFeatures() == b.outFeatures()
        && a.inFeatures() == b.inFeatures()
        && Arrays.equals(a.weight(), b.weight())
        && Arrays.equals(a.weightScale(), b.weightScale())
        && java.util.Objects.equals(
            a.inputScale() == null ? null : Float.floatToRawIntBits(a.inputScale()),
            b.inputScale() == null ? null : Float.floatToRawIntBits(b.inputScale()))
        && java.util.Objects.equals(a.inputZeroPoint(), b.inputZeroPoint());
  }
}

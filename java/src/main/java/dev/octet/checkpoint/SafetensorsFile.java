package dev.octet.checkpoint;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octet.reference.Numerics;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file, read-only: an 8-byte little-endian header length n, n bytes of UTF-8 JSON
 * header ({@code {"name": {"dtype": "BF16", "shape": [4096, 256], "data_offsets": [begin, end]},
 * ..., "__metadata__": {"key": "value"}}}), then the data section, which offsets index.
 *
 * <p>{@link #open} maps the file (no copy) and checks everything before handing anything out:
 * the header length (at most {@link #MAX_HEADER_BYTES} and within the file), the JSON (strict: no
 * duplicate keys, no trailing data), every entry's dtype (a known name), shape (non-negative
 * integers whose product fits), offsets (integers, begin <= end, within the data section, end -
 * begin == numel * dtype size) and that no two tensors overlap. Anything else is a {@link
 * CheckpointFormatException} naming the file and the problem; a malformed file never causes a
 * crash, a hang or a huge allocation. Close the file to unmap it; the segments it handed out are
 * invalid afterwards.
 */
public final class SafetensorsFile implements AutoCloseable {
  /** The largest header accepted. */
  public static final long MAX_HEADER_BYTES = 100L << 20;

  private static final ValueLayout.OfLong HEADER_LENGTH =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /**
   * One tensor of the header.
   *
   * @param begin offset of its first byte within the data section
   * @param end offset past its last byte within the data section
   */
  public record Entry(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {
    public Entry {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    /** The product of the shape (1 for a scalar of shape []). */
    public long numel() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }

    public long byteSize() {
      return end - begin;
    }

    @Override
    public String toString() {
      return name + " " + dtype + java.util.Arrays.toString(shape) + " @[" + begin + ", " + end
          + ")";
    }
  }

  private final String source;
  private final Arena arena; // null when the caller owns the memory
  private final MemorySegment data;
  private final Map<String, Entry> entries;
  private final Map<String, String> metadata;

  private SafetensorsFile(
      String source,
      Arena arena,
      MemorySegment data,
      Map<String, Entry> entries,
      Map<String, String> metadata) {
    this.source = source;
    this.arena = arena;
    this.data = data;
    this.entries = entries;
    this.metadata = metadata;
  }

  /** Maps and validates {@code path}. */
  public static SafetensorsFile open(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw new CheckpointFormatException(
            path + ": " + size + " bytes; a safetensors file starts with an 8-byte header length");
      }
      Arena arena = Arena.ofShared();
      try {
        MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        return parse(path.toString(), file, arena);
      } catch (IOException | RuntimeException | Error e) {
        arena.close();
        throw e;
      }
    }
  }

  /**
   * Validates safetensors bytes held in memory (which the caller keeps alive while using the
   * result; {@link #close} then does nothing). {@code source} names them in messages.
   */
  public static SafetensorsFile parse(String source, MemorySegment bytes)
      throws CheckpointFormatException {
    return parse(source, bytes, null);
  }

  private static SafetensorsFile parse(String source, MemorySegment file, Arena arena)
      throws CheckpointFormatException {
    long size = file.byteSize();
    if (size < 8) {
      throw fail(source, size + " bytes; a safetensors file starts with an 8-byte header length");
    }
    long n = file.get(HEADER_LENGTH, 0);
    if (n < 0 || n > MAX_HEADER_BYTES) {
      throw fail(
          source,
          "header length " + Long.toUnsignedString(n) + " exceeds the limit of "
              + MAX_HEADER_BYTES + " bytes");
    }
    if (n > size - 8) {
      throw fail(
          source,
          "header length " + n + " exceeds the " + (size - 8) + " bytes after the length field"
              + " (truncated file?)");
    }
    if (n < 2) {
      throw fail(source, "header length " + n + " is too small for a JSON object");
    }
    byte[] header = file.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
    JsonNode root;
    try {
      root = MAPPER.readTree(header);
    } catch (JacksonException e) {
      throw fail(source, "header is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw fail(source, "header is not readable: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw fail(source, "header is not a JSON object");
    }
    MemorySegment data = file.asSlice(8 + n);
    long dataSize = data.byteSize();
    Map<String, Entry> entries = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      String name = field.getKey();
      JsonNode v = field.getValue();
      if (name.equals("__metadata__")) {
        if (!v.isObject()) {
          throw fail(source, "__metadata__ is not an object of strings");
        }
        for (Map.Entry<String, JsonNode> m : v.properties()) {
          if (!m.getValue().isTextual()) {
            throw fail(source, "__metadata__ value of '" + m.getKey() + "' is not a string");
          }
          metadata.put(m.getKey(), m.getValue().textValue());
        }
        continue;
      }
      entries.put(name, entry(source, name, v, dataSize));
    }
    checkNoOverlap(source, entries.values());
    return new SafetensorsFile(
        source,
        arena,
        data,
        Collections.unmodifiableMap(entries),
        Collections.unmodifiableMap(metadata));
  }

  private static Entry entry(String source, String name, JsonNode v, long dataSize)
      throws CheckpointFormatException {
    String where = "tensor '" + name + "': ";
    if (!v.isObject()) {
      throw fail(source, where + "entry is not an object");
    }
    JsonNode dt = v.get("dtype");
    if (dt == null || !dt.isTextual()) {
      throw fail(source, where + "missing or non-string 'dtype'");
    }
    SafetensorsDType dtype = SafetensorsDType.parse(dt.textValue());
    if (dtype == null) {
      throw fail(source, where + "unknown dtype '" + dt.textValue() + "'");
    }
    JsonNode sh = v.get("shape");
    if (sh == null || !sh.isArray()) {
      throw fail(source, where + "missing or non-array 'shape'");
    }
    if (sh.size() > 64) {
      throw fail(source, where + "shape has rank " + sh.size() + "; at most 64 accepted");
    }
    long[] shape = new long[sh.size()];
    long numel = 1;
    for (int i = 0; i < shape.length; i++) {
      shape[i] = nonNegativeLong(source, where + "shape[" + i + "]", sh.get(i));
      try {
        numel = Math.multiplyExact(numel, shape[i]);
      } catch (ArithmeticException e) {
        throw fail(source, where + "shape " + sh + " has more elements than fit in a long");
      }
    }
    JsonNode off = v.get("data_offsets");
    if (off == null || !off.isArray() || off.size() != 2) {
      throw fail(source, where + "'data_offsets' must be an array [begin, end]");
    }
    long begin = nonNegativeLong(source, where + "data_offsets[0]", off.get(0));
    long end = nonNegativeLong(source, where + "data_offsets[1]", off.get(1));
    if (begin > end || end > dataSize) {
      throw fail(
          source,
          where + "data_offsets [" + begin + ", " + end + "] must satisfy begin <= end <= "
              + dataSize + " (the data section's size)");
    }
    long expected;
    try {
      expected = Math.multiplyExact(numel, dtype.byteSize());
    } catch (ArithmeticException e) {
      throw fail(source, where + "byte size of shape " + sh + " overflows a long");
    }
    if (end - begin != expected) {
      throw fail(
          source,
          where + "data_offsets [" + begin + ", " + end + "] hold " + (end - begin) + " bytes; "
              + dtype + " " + sh + " needs " + expected);
    }
    return new Entry(name, dtype, shape, begin, end);
  }

  private static long nonNegativeLong(String source, String what, JsonNode n)
      throws CheckpointFormatException {
    if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
      throw fail(source, what + " is " + n + "; expected a non-negative integer");
    }
    return n.longValue();
  }

  private static void checkNoOverlap(String source, Iterable<Entry> all)
      throws CheckpointFormatException {
    List<Entry> sorted = new ArrayList<>();
    for (Entry e : all) {
      if (e.byteSize() > 0) {
        sorted.add(e);
      }
    }
    sorted.sort(Comparator.comparingLong(Entry::begin));
    for (int i = 1; i < sorted.size(); i++) {
      Entry a = sorted.get(i - 1);
      Entry b = sorted.get(i);
      if (b.begin() < a.end()) {
        throw fail(source, "tensors overlap: " + a + " and " + b);
      }
    }
  }

  private static CheckpointFormatException fail(String source, String message) {
    return new CheckpointFormatException(source + ": " + message);
  }

  private static CheckpointFormatException fail(String source, String message, Throwable cause) {
    return new CheckpointFormatException(source + ": " + message, cause);
  }

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** Where the bytes came from (the path, for files). */
  public String source() {
    return source;
  }

  /** The tensors, in header order. */
  public Map<String, Entry> tensors() {
    return entries;
  }

  /** The header's {@code __metadata__} (empty when absent). */
  public Map<String, String> metadata() {
    return metadata;
  }

  public boolean contains(String name) {
    return entries.containsKey(name);
  }

  /** The entry of {@code name}; IllegalArgumentException when there is none. */
  public Entry entry(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      throw new IllegalArgumentException(source + " has no tensor '" + name + "'");
    }
    return e;
  }

  /** The tensor's bytes (little-endian), a read-only view valid until {@link #close}. */
  public MemorySegment bytes(String name) {
    Entry e = entry(name);
    return data.asSlice(e.begin(), e.byteSize()).asReadOnly();
  }

  /** The raw bytes of a tensor, copied. */
  public byte[] toByteArray(String name) {
    return bytes(name).toArray(ValueLayout.JAVA_BYTE);
  }

  /** An I32 tensor's values. */
  public int[] toIntArray(String name) {
    requireDtype(entry(name), SafetensorsDType.I32);
    return bytes(name).toArray(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
  }

  /**
   * The values as floats, converted exactly from F32, F16, BF16, I8, U8 or I32 (|v| <= 2^24).
   * IllegalArgumentException for another dtype or more than 2^31 - 1 elements.
   */
  public float[] toFloatArray(String name) {
    Entry e = entry(name);
    MemorySegment b = bytes(name);
    if (e.numel() > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(e + " is too large for a Java array");
    }
    int n = (int) e.numel();
    float[] out = new float[n];
    ValueLayout.OfShort s16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    switch (e.dtype()) {
      case F32 ->
          MemorySegment.copy(
              b, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, out, 0, n);
      case F16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = Numerics.fp16ToFloat(b.getAtIndex(s16, i));
        }
      }
      case BF16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = Numerics.bf16ToFloat(b.getAtIndex(s16, i));
        }
      }
      case I8 -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.get(ValueLayout.JAVA_BYTE, i);
        }
      }
      case U8 -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.get(ValueLayout.JAVA_BYTE, i) & 0xff;
        }
      }
      case I32 -> {
        int[] v = toIntArray(name);
        for (int i = 0; i < n; i++) {
          out[i] = v[i];
        }
      }
      default -> throw new IllegalArgumentException(e + ": no float conversion for " + e.dtype());
    }
    return out;
  }

  private void requireDtype(Entry e, SafetensorsDType d) {
    if (e.dtype() != d) {
      throw new IllegalArgumentException(e + " is " + e.dtype() + ", not " + d);
    }
  }

  /** Unmaps the file (a no-op for {@link #parse}d memory); idempotent. */
  @Override
  public void close() {
    if (arena != null && arena.scope().isAlive()) {
      arena.close();
    }
  }

  @Override
  public String toString() {
    return "SafetensorsFile(" + source + ", " + entries.size() + " tensors)";
  }
}

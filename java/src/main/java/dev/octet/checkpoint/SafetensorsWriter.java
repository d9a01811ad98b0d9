package dev.octet.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes safetensors files: the header lists the tensors in the given order with consecutive
 * offsets, {@code __metadata__} first; the header is padded with spaces to a multiple of 8 bytes
 * so that the data section is aligned.
 */
public final class SafetensorsWriter {
  private SafetensorsWriter() {}

  /**
   * One tensor to write: its bytes are little-endian and exactly numel * dtype size long.
   *
   * @param shape non-negative extents; [] for a scalar
   */
  public record TensorData(String name, SafetensorsDType dtype, long[] shape, MemorySegment data) {
    public TensorData {
      if (name == null || name.isEmpty() || name.equals("__metadata__")) {
        throw new IllegalArgumentException("tensor name '" + name + "' is not allowed");
      }
      shape = shape.clone();
      long numel = 1;
      for (long d : shape) {
        if (d < 0) {
          throw new IllegalArgumentException(name + ": negative extent in the shape");
        }
        numel = Math.multiplyExact(numel, d);
      }
      if (data.byteSize() != Math.multiplyExact(numel, dtype.byteSize())) {
        throw new IllegalArgumentException(
            name + ": " + data.byteSize() + " bytes for " + dtype + java.util.Arrays.toString(shape)
                + "; needs " + numel * dtype.byteSize());
      }
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    public static TensorData f32(String name, long[] shape, float[] values) {
      return new TensorData(name, SafetensorsDType.F32, shape, littleEndian(values));
    }

    public static TensorData i8(String name, long[] shape, byte[] values) {
      return new TensorData(name, SafetensorsDType.I8, shape, MemorySegment.ofArray(values));
    }

    public static TensorData i32(String name, long[] shape, int[] values) {
      MemorySegment m = MemorySegment.ofArray(new byte[values.length * 4]);
      for (int i = 0; i < values.length; i++) {
        m.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, values[i]);
      }
      return new TensorData(name, SafetensorsDType.I32, shape, m);
    }

    private static MemorySegment littleEndian(float[] values) {
      MemorySegment m = MemorySegment.ofArray(new byte[values.length * 4]);
      for (int i = 0; i < values.length; i++) {
        m.setAtIndex(
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, values[i]);
      }
      return m;
    }
  }

  /** Writes {@code tensors} (unique names) and {@code metadata} to {@code path}, replacing it. */
  public static void write(Path path, List<TensorData> tensors, Map<String, String> metadata)
      throws IOException {
    byte[] header = header(tensors, metadata);
    try (FileChannel ch =
        FileChannel.open(
            path,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      len.putLong(0, header.length);
      writeFully(ch, len);
      writeFully(ch, ByteBuffer.wrap(header));
      for (TensorData t : tensors) {
        byte[] bytes = t.data().toArray(ValueLayout.JAVA_BYTE);
        writeFully(ch, ByteBuffer.wrap(bytes));
      }
    }
  }

  /** The JSON header, space-padded to a multiple of 8 bytes. */
  static byte[] header(List<TensorData> tensors, Map<String, String> metadata) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode m = root.putObject("__metadata__");
      metadata.forEach(m::put);
    }
    Set<String> names = new HashSet<>();
    long offset = 0;
    for (TensorData t : tensors) {
      if (!names.add(t.name())) {
        throw new IllegalArgumentException("two tensors are named '" + t.name() + "'");
      }
      ObjectNode e = root.putObject(t.name());
      e.put("dtype", t.dtype().name());
      var shape = e.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      var off = e.putArray("data_offsets");
      off.add(offset);
      offset += t.data().byteSize();
      off.add(offset);
    }
    byte[] json;
    try {
      json = mapper.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("JSON of a tree cannot fail", e);
    }
    int padded = (json.length + 7) / 8 * 8;
    byte[] out = java.util.Arrays.copyOf(json, padded);
    java.util.Arrays.fill(out, json.length, padded, (byte) ' ');
    return out;
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }
}

package dev.octet.checkpoint;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.octet.checkpoint.SafetensorsWriter.TensorData;
import dev.octet.testing.Inputs;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random bytes and mutated valid files through the safetensors reader: each must either parse
 * (and then every tensor must be readable) or fail with {@link CheckpointFormatException}. Any
 * other throwable (an unchecked exception, an OutOfMemoryError, a StackOverflowError) fails the
 * test with the seed and the bytes. The timeout only guards against a hang.
 */
class SafetensorsFuzzTest {
  static final int CASES = 6000;

  @TempDir Path dir;

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void malformedInputNeverEscapesAsAnythingButTheFormatException() throws IOException {
    long seed = Inputs.freshSeed();
    SplittableRandom rng = new SplittableRandom(seed);
    List<byte[]> valid = validFiles(rng);
    int parsed = 0;
    int rejected = 0;
    for (int c = 0; c < CASES; c++) {
      byte[] bytes = mutate(rng, valid.get(rng.nextInt(valid.size())), c);
      boolean viaFile = c % 40 == 0;
      try {
        if (viaFile) {
          Path p = dir.resolve("f" + (c % 4) + ".safetensors");
          Files.write(p, bytes);
          try (SafetensorsFile f = SafetensorsFile.open(p)) {
            readEverything(f);
          }
        } else {
          try (SafetensorsFile f = SafetensorsFile.parse("case " + c, MemorySegment.ofArray(bytes))) {
            readEverything(f);
          }
        }
        parsed++;
      } catch (CheckpointFormatException expected) {
        rejected++;
      } catch (Throwable t) {
        String hex = HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 512));
        fail("case " + c + " (seed " + seed + ", " + bytes.length + " bytes" + (viaFile ? ", file" : "")
            + ") threw " + t + "\nbytes: " + hex, t);
      }
    }
    System.out.printf("[octet] safetensors fuzz: %d cases, %d parsed, %d rejected (seed %d)%n",
        CASES, parsed, rejected, seed);
    assertTrue(rejected > CASES / 4, "the mutations do reach the validation");
    assertTrue(parsed > 0, "some mutations leave a valid file");
  }

  private static void readEverything(SafetensorsFile f) {
    for (SafetensorsFile.Entry e : f.tensors().values()) {
      byte[] b = f.toByteArray(e.name());
      if (b.length != e.byteSize()) {
        throw new AssertionError("read " + b.length + " bytes of " + e);
      }
      switch (e.dtype()) {
        case F32, F16, BF16, I8, U8, I32 -> f.toFloatArray(e.name());
        default -> {}
      }
    }
    f.metadata().size();
  }

  private static List<byte[]> validFiles(SplittableRandom rng) throws IOException {
    List<byte[]> out = new ArrayList<>();
    Path tmp = Files.createTempFile("octet-fuzz", ".safetensors");
    try {
      for (int k = 0; k < 6; k++) {
        List<TensorData> ts = new ArrayList<>();
        int n = 1 + rng.nextInt(5);
        for (int t = 0; t < n; t++) {
          int rows = 1 + rng.nextInt(6);
          int cols = rng.nextInt(5); // may be 0: an empty tensor
          switch (rng.nextInt(3)) {
            case 0 -> ts.add(TensorData.f32("t" + t + ".weight_scale", new long[] {rows, cols},
                new float[rows * cols]));
            case 1 -> ts.add(TensorData.i8("model.layers." + t + ".weight", new long[] {rows, cols},
                new byte[rows * cols]));
            default -> ts.add(TensorData.i32("t" + t, new long[] {rows * cols}, new int[rows * cols]));
          }
        }
        SafetensorsWriter.write(tmp, ts, k % 2 == 0 ? Map.of("format", "pt") : Map.of());
        out.add(Files.readAllBytes(tmp));
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    return out;
  }

  private static final String[] TOKENS = {
    "-1", "0", "1", "18446744073709551615", "9223372036854775807", "4294967296", "1e309", "1.5",
    "null", "true", "\"I8\"", "\"F64\"", "\"XX\"", "[]", "{}", "[[[[[[", "\"", ",", ":", "\\u0000",
    "\"__metadata__\"", "\"data_offsets\"", "\"shape\"", "\"dtype\""
  };

  /** One of several mutations, chosen by the case number and the generator. */
  static byte[] mutate(SplittableRandom rng, byte[] valid, int c) {
    byte[] b = valid.clone();
    switch (c % 8) {
      case 0 -> { // random bytes, sometimes with a plausible header length
        b = new byte[rng.nextInt(300)];
        rng.nextBytes(b);
        if (b.length >= 8 && rng.nextBoolean()) {
          ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, rng.nextInt(b.length));
        }
      }
      case 1 -> { // flip a few bytes anywhere
        for (int k = 1 + rng.nextInt(8); k > 0; k--) {
          b[rng.nextInt(b.length)] ^= (byte) (1 + rng.nextInt(255));
        }
      }
      case 2 -> b = java.util.Arrays.copyOf(b, rng.nextInt(b.length)); // truncate
      case 3 -> { // a random header length
        long len = switch (rng.nextInt(4)) {
          case 0 -> rng.nextLong();
          case 1 -> rng.nextInt(b.length + 16);
          case 2 -> SafetensorsFile.MAX_HEADER_BYTES + rng.nextInt(3) - 1;
          default -> -1L;
        };
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, len);
      }
      case 4, 5 -> { // replace a number, string or punctuation in the header with a token
        int headerLen = (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        String h = new String(b, 8, headerLen, StandardCharsets.UTF_8);
        int at = rng.nextInt(h.length());
        int len = 1 + rng.nextInt(Math.min(6, h.length() - at));
        String m = h.substring(0, at) + TOKENS[rng.nextInt(TOKENS.length)] + h.substring(at + len);
        byte[] mh = m.getBytes(StandardCharsets.UTF_8);
        byte[] data = java.util.Arrays.copyOfRange(b, 8 + headerLen, b.length);
        ByteBuffer out = ByteBuffer.allocate(8 + mh.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(rng.nextInt(4) == 0 ? headerLen : mh.length).put(mh).put(data);
        b = out.array();
      }
      case 6 -> { // shift data offsets: rewrite digits in the header
        int headerLen = (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        for (int k = 8; k < 8 + headerLen; k++) {
          if (b[k] >= '0' && b[k] <= '9' && rng.nextInt(6) == 0) {
            b[k] = (byte) ('0' + rng.nextInt(10));
          }
        }
      }
      default -> { // append or drop data bytes
        b = java.util.Arrays.copyOf(b, Math.max(0, b.length + rng.nextInt(-8, 9)));
      }
    }
    return b;
  }
}

package dev.octet.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerComparisonTest {
  // layer "double" multiplies by 2; its quantized twin rounds to integers first.
  private final List<Layer<float[]>> floatRun =
      List.of(Layer.of("double", x -> scale(x, 2)), Layer.of("shift", x -> add(x, 10)));
  private final List<Layer<float[]>> quantRun =
      List.of(Layer.of("double", x -> scale(round(x), 2)), Layer.of("shift", x -> add(x, 10)));

  @Test
  void metricsPerLayerMatchHandComputedValues(@TempDir Path dir) throws Exception {
    float[] in = {0.4f, -1.6f, 3f, 0f};
    // float: 0.8, -3.2, 6, 0 ; quantized: 0, -4, 6, 0 -> errors 0.8, 0.8, 0, 0
    LayerComparison c = LayerComparison.run(floatRun, quantRun, List.of(in), 5.0);
    LayerComparison.Row d = c.rows().get(0);
    assertEquals("double", d.layer());
    assertEquals(4, d.elements());
    assertEquals((0.8 * 0.8 * 2) / 4, d.mse(), 1e-6);
    assertEquals(0.8, d.maxAbsError(), 1e-6);
    double dot = 0.8 * 0 + 3.2 * 4 + 36;
    double cos = dot / (Math.sqrt(0.64 + 10.24 + 36) * Math.sqrt(16 + 36));
    assertEquals(cos, d.cosineSimilarity(), 1e-6);
    assertEquals(10 * Math.log10((0.64 + 10.24 + 36) / 1.28), d.sqnrDb(), 1e-5);
    assertEquals(1, d.outliers()); // |6| > 5
    LayerComparison.Row s = c.rows().get(1); // +10 everywhere: same errors, all outliers
    assertEquals(d.mse(), s.mse(), 1e-6);
    assertEquals(4, s.outliers());

    String table = c.table();
    String[] lines = table.split("\n");
    assertEquals(3, lines.length);
    assertTrue(lines[0].startsWith("layer "), table);
    assertEquals(lines[0].length(), lines[1].length(), table); // aligned columns
    assertEquals(lines[1].length(), lines[2].length(), table);

    Path json = dir.resolve("cmp.json");
    c.writeJson(json);
    JsonNode root = new ObjectMapper().readTree(Files.readString(json));
    assertEquals(5.0, root.get("outlier_threshold").asDouble());
    assertEquals("shift", root.get("layers").get(1).get("layer").asText());
    assertEquals(d.mse(), root.get("layers").get(0).get("mse").asDouble(), 0);
    assertEquals(4, root.get("layers").get(1).get("outliers").asLong());
  }

  @Test
  void manyBatchesAccumulateLikeTheirConcatenation() {
    float[] a = {0.4f, -1.6f};
    float[] b = {3f, 0.3f, 2.5f};
    LayerComparison split = LayerComparison.run(floatRun, quantRun, List.of(a, b), 1.0);
    LayerComparison whole =
        LayerComparison.run(floatRun, quantRun, List.of(new float[] {0.4f, -1.6f, 3f, 0.3f, 2.5f}), 1.0);
    for (int i = 0; i < 2; i++) {
      LayerComparison.Row x = split.rows().get(i);
      LayerComparison.Row y = whole.rows().get(i);
      assertEquals(y.mse(), x.mse(), 1e-12);
      assertEquals(y.sqnrDb(), x.sqnrDb(), 1e-9);
      assertEquals(y.cosineSimilarity(), x.cosineSimilarity(), 1e-12);
      assertEquals(y.maxAbsError(), x.maxAbsError());
      assertEquals(y.outliers(), x.outliers());
    }
  }

  @Test
  void identicalRunsWriteInfiniteSqnrAsAString() throws Exception {
    LayerComparison c =
        LayerComparison.of(List.of("id"), List.of(new float[] {1, 2}), List.of(new float[] {1, 2}), 9);
    JsonNode root = new ObjectMapper().readTree(c.json());
    assertEquals("Infinity", root.get("layers").get(0).get("sqnr_db").asText());
    assertThrows(IllegalArgumentException.class,
        () -> LayerComparison.run(floatRun, List.of(quantRun.get(1), quantRun.get(0)), List.of(new float[1]), 1));
  }

  private static float[] scale(float[] x, float f) {
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = x[i] * f;
    }
    return y;
  }

  private static float[] add(float[] x, float c) {
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = x[i] + c;
    }
    return y;
  }

  private static float[] round(float[] x) {
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = (float) Math.rint(x[i]);
    }
    return y;
  }
}

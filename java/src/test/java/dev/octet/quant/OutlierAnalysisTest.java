package dev.octet.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octet.Context;
import dev.octet.DType;
import dev.octet.Shape;
import dev.octet.Tensor;
import dev.octet.testing.Inputs;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Outlier analysis: planted outlier features are found per layer and written as JSON/CSV/PNG. */
class OutlierAnalysisTest {
  /** A "layer" that scales its input and plants outliers in the given columns of its output. */
  static Layer<float[]> planting(String name, int features, int... columns) {
    return Layer.of(name, x -> {
      float[] y = x.clone();
      for (int i = 0; i < y.length; i++) {
        y[i] = Math.max(-3f, Math.min(3f, y[i]));
      }
      for (int r = 0; r < y.length / features; r++) {
        for (int c : columns) {
          y[r * features + c] = 10f + c;
        }
      }
      return y;
    });
  }

  @Test
  void findsPlantedOutliersLayerByLayerAndWritesTheReport(@TempDir Path dir) throws Exception {
    SplittableRandom rng = new SplittableRandom(Inputs.freshSeed());
    int rows = 8, features = 64;
    List<float[]> batches = List.of(clamp(Inputs.gaussian(rng, rows * features, 1)),
        clamp(Inputs.gaussian(rng, rows * features, 1)));
    List<Layer<float[]>> layers = List.of(
        planting("layers.0", features, 3, 40), planting("layers.1", features), planting("layers.2", features, 7));
    OutlierAnalysis.Report r = OutlierAnalysis.analyze(layers, batches, rows, 6f);

    assertEquals(3, r.layers().size());
    OutlierAnalysis.LayerStats in0 = r.layers().get(0); // the raw batches: |x| <= 3
    OutlierAnalysis.LayerStats in1 = r.layers().get(1); // after layers.0
    OutlierAnalysis.LayerStats in2 = r.layers().get(2); // after layers.1: none
    assertArrayEquals(new int[0], in0.outlierColumns());
    assertArrayEquals(new int[] {3, 40}, in1.outlierColumns());
    assertArrayEquals(new int[0], in2.outlierColumns());
    assertEquals(2.0 / features, in1.outlierRatio(), 1e-12);
    assertEquals(50f, in1.maxMagnitude());
    assertEquals(2L * rows, in1.tokens());
    assertEquals(features, java.util.Arrays.stream(in1.histogram()).sum());

    Path json = dir.resolve("outliers.json"), csv = dir.resolve("outliers.csv"), png = dir.resolve("outliers.png");
    r.writeJson(json);
    r.writeCsv(csv);
    r.writePng(png);
    JsonNode root = new ObjectMapper().readTree(json.toFile());
    assertEquals(6.0, root.get("threshold").asDouble());
    assertEquals("layers.1", root.get("layers").get(1).get("name").asText());
    assertEquals(40, root.get("layers").get(1).get("outlier_columns").get(1).asInt());
    assertEquals(features, root.get("layers").get(1).get("feature_max").size());
    List<String> lines = Files.readAllLines(csv);
    assertEquals(4, lines.size());
    assertTrue(lines.get(2).startsWith("\"layers.1\",16,64,6.0,2,"), lines.get(2));
    assertTrue(lines.get(2).endsWith("\"3 40\""), lines.get(2));
    BufferedImage img = ImageIO.read(png.toFile());
    assertTrue(img.getWidth() > 300 && img.getHeight() > 100, img.getWidth() + "x" + img.getHeight());
  }

  /** Device (or CPU) tensors go through the stats kernels: the same result as host arrays. */
  @Test
  void tensorsAndArraysAgree() {
    SplittableRandom rng = new SplittableRandom(Inputs.freshSeed());
    int rows = 5, features = 48;
    float[] x = Inputs.gaussian(rng, rows * features, 1);
    x[2 * features + 11] = -30f;
    x[4 * features + 47] = 7f;
    x = Int8LinearContract.round(DType.FP16, x);
    OutlierAnalysis.LayerStats host = new OutlierAnalysis.Accumulator("x", 6f).add(x, rows).stats();
    try (Context ctx = Context.cpu();
        Tensor t = ctx.upload(x, DType.FP16, Shape.of(rows, features))) {
      OutlierAnalysis.Report r = OutlierAnalysis.analyzeTensors(List.of(Layer.of("x", v -> v)), List.of(t), 6f, null);
      OutlierAnalysis.LayerStats dev = r.layers().get(0);
      assertArrayEquals(new int[] {11, 47}, host.outlierColumns());
      assertArrayEquals(host.outlierColumns(), dev.outlierColumns());
      assertArrayEquals(host.featureMax(), dev.featureMax());
      assertArrayEquals(host.histogram(), dev.histogram());
    }
  }

  private static float[] clamp(float[] v) {
    for (int i = 0; i < v.length; i++) {
      v[i] = Math.max(-3f, Math.min(3f, v[i]));
    }
    return v;
  }
}

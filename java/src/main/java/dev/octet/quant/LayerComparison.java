package dev.octet.quant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Layer-by-layer comparison of a float run and a quantized run of the same model: each run feeds
 * its own outputs forward, and after every layer the quantized output is compared with the float
 * one (MSE, max abs error, cosine similarity, SQNR) and the float output's outliers (|x| > a
 * threshold) are counted. Over several input batches the metrics accumulate as over their
 * concatenation. Printed as an aligned table ({@link #table()}) and written as JSON ({@link
 * #json()}).
 */
public final class LayerComparison {
  /** One layer's row. */
  public record Row(
      String layer,
      long elements,
      double mse,
      double maxAbsError,
      double cosineSimilarity,
      double sqnrDb,
      long outliers) {}

  private final List<Row> rows;
  private final double outlierThreshold;

  private LayerComparison(List<Row> rows, double outlierThreshold) {
    this.rows = List.copyOf(rows);
    this.outlierThreshold = outlierThreshold;
  }

  /**
   * Runs {@code floatLayers} and {@code quantLayers} (same length, same names in order) on every
   * batch of {@code inputs} and compares their outputs after each layer.
   */
  public static LayerComparison run(
      List<? extends Layer<float[]>> floatLayers,
      List<? extends Layer<float[]>> quantLayers,
      Iterable<float[]> inputs,
      double outlierThreshold) {
    if (floatLayers.size() != quantLayers.size() || floatLayers.isEmpty()) {
      throw new IllegalArgumentException(
          "the float run has " + floatLayers.size() + " layers and the quantized run "
              + quantLayers.size() + "; need the same, non-zero number");
    }
    List<Metrics.Accumulator> acc = new ArrayList<>();
    for (int i = 0; i < floatLayers.size(); i++) {
      String a = floatLayers.get(i).name();
      String b = quantLayers.get(i).name();
      if (!a.equals(b)) {
        throw new IllegalArgumentException(
            "layer " + i + " is '" + a + "' in the float run and '" + b + "' in the quantized run");
      }
      acc.add(new Metrics.Accumulator(outlierThreshold));
    }
    for (float[] input : inputs) {
      float[] x = input;
      float[] xq = input;
      for (int i = 0; i < floatLayers.size(); i++) {
        x = floatLayers.get(i).forward(x);
        xq = quantLayers.get(i).forward(xq);
        acc.get(i).add(x, xq);
      }
    }
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < acc.size(); i++) {
      rows.add(row(floatLayers.get(i).name(), acc.get(i)));
    }
    return new LayerComparison(rows, outlierThreshold);
  }

  /** The comparison of given outputs: {@code ref.get(i)} and {@code quant.get(i)} of layer i. */
  public static LayerComparison of(
      List<String> names, List<float[]> ref, List<float[]> quant, double outlierThreshold) {
    if (names.size() != ref.size() || names.size() != quant.size()) {
      throw new IllegalArgumentException(
          names.size() + " names, " + ref.size() + " float and " + quant.size()
              + " quantized outputs; need one of each per layer");
    }
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      rows.add(
          row(names.get(i), new Metrics.Accumulator(outlierThreshold).add(ref.get(i), quant.get(i))));
    }
    return new LayerComparison(rows, outlierThreshold);
  }

  private static Row row(String name, Metrics.Accumulator a) {
    return new Row(
        name, a.count(), a.mse(), a.maxAbsError(), a.cosineSimilarity(), a.sqnrDb(), a.outliers());
  }

  public List<Row> rows() {
    return rows;
  }

  public double outlierThreshold() {
    return outlierThreshold;
  }

  /** An aligned text table, one line per layer, with a header. */
  public String table() {
    String[] head = {"layer", "elements", "mse", "max_abs_err", "cosine", "sqnr_db", "outliers"};
    List<String[]> cells = new ArrayList<>();
    cells.add(head);
    for (Row r : rows) {
      cells.add(
          new String[] {
            r.layer(),
            Long.toString(r.elements()),
            String.format(Locale.ROOT, "%.4e", r.mse()),
            String.format(Locale.ROOT, "%.4e", r.maxAbsError()),
            String.format(Locale.ROOT, "%.6f", r.cosineSimilarity()),
            String.format(Locale.ROOT, "%.2f", r.sqnrDb()),
            Long.toString(r.outliers())
          });
    }
    int[] width = new int[head.length];
    for (String[] line : cells) {
      for (int c = 0; c < line.length; c++) {
        width[c] = Math.max(width[c], line[c].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] line : cells) {
      for (int c = 0; c < line.length; c++) {
        String cell = line[c];
        String pad = " ".repeat(width[c] - cell.length());
        sb.append(c == 0 ? cell + pad : pad + cell); // names left-aligned, numbers right-aligned
        sb.append(c + 1 < line.length ? "  " : "\n");
      }
    }
    return sb.toString();
  }

  /**
   * JSON: {@code {"outlier_threshold": t, "layers": [{"layer": ..., "elements": ..., "mse": ...,
   * "max_abs_error": ..., "cosine_similarity": ..., "sqnr_db": ..., "outliers": ...}, ...]}}. A
   * non-finite number (SQNR of identical outputs: +Inf) is written as the string "Infinity",
   * "-Infinity" or "NaN".
   */
  public String json() {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = mapper.createObjectNode();
    number(root, "outlier_threshold", outlierThreshold);
    ArrayNode layers = root.putArray("layers");
    for (Row r : rows) {
      ObjectNode o = layers.addObject();
      o.put("layer", r.layer());
      o.put("elements", r.elements());
      number(o, "mse", r.mse());
      number(o, "max_abs_error", r.maxAbsError());
      number(o, "cosine_similarity", r.cosineSimilarity());
      number(o, "sqnr_db", r.sqnrDb());
      o.put("outliers", r.outliers());
    }
    try {
      return mapper.writeValueAsString(root);
    } catch (IOException e) {
      throw new IllegalStateException("JSON of a tree cannot fail", e);
    }
  }

  private static void number(ObjectNode o, String key, double v) {
    if (Double.isFinite(v)) {
      o.put(key, v);
    } else {
      o.put(key, Double.toString(v));
    }
  }

  /** Writes {@link #json()} to {@code file}. */
  public void writeJson(Path file) throws IOException {
    Files.writeString(file, json());
  }

  @Override
  public String toString() {
    return table();
  }
}

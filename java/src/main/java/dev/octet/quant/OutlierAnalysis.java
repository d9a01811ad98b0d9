package dev.octet.quant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.octet.Stream;
import dev.octet.Tensor;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Outlier analysis in the sense of LLM.int8(): which input feature columns of each layer carry
 * activations beyond the threshold (|x| &gt; 6 by default), and how they are distributed. For each
 * layer, from its input activations over one or more batches: the outlier columns and their
 * indices, their share of the features, the largest magnitude, the per-feature maxima and a
 * histogram of them. A {@link Report} is written as JSON and CSV and drawn as a PNG chart.
 *
 * <pre>{@code
 * OutlierAnalysis.Report r = OutlierAnalysis.analyze(layers, batches, tokensPerBatch, 6f);
 * r.writeJson(dir.resolve("outliers.json")); r.writeCsv(...); r.writePng(...);
 * }</pre>
 *
 * Device activations are reduced where they live ({@link TensorStats#columnAbsmax}): only the
 * per-feature maxima travel.
 */
public final class OutlierAnalysis {
  /** Bins of the per-feature max-magnitude histogram. */
  public static final int HISTOGRAM_BINS = 32;

  private OutlierAnalysis() {}

  /**
   * One layer's statistics. {@code featureMax[j]} = max |x[:, j]| over every token seen (NaN if a
   * NaN was seen); {@code histogram} counts the features by featureMax in {@link #HISTOGRAM_BINS}
   * equal bins over [0, histogramMax) (the last bin also holds featureMax &gt;= histogramMax).
   */
  public record LayerStats(
      String name,
      long tokens,
      int features,
      float threshold,
      int[] outlierColumns,
      float maxMagnitude,
      float[] featureMax,
      float histogramMax,
      int[] histogram) {
    /** The share of the features that are outlier columns, in [0, 1]. */
    public double outlierRatio() {
      return features == 0 ? 0 : (double) outlierColumns.length / features;
    }
  }

  /** Accumulates one layer's per-feature maxima over batches. */
  public static final class Accumulator {
    private final String name;
    private final float threshold;
    private float[] featureMax;
    private long tokens;

    public Accumulator(String name, float threshold) {
      if (name == null) {
        throw new IllegalArgumentException("name is null");
      }
      if (!(threshold > 0) || !Float.isFinite(threshold)) {
        throw new IllegalArgumentException("threshold is " + threshold + "; it must be positive and finite");
      }
      this.name = name;
      this.threshold = threshold;
    }

    /** Adds a host batch x [rows, features] (row-major). */
    public Accumulator add(float[] x, int rows) {
      if (rows < 1 || x.length % rows != 0) {
        throw new IllegalArgumentException(
            "a batch of " + x.length + " values is not [" + rows + ", features]");
      }
      int features = x.length / rows;
      float[] max = new float[features];
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < features; j++) {
          max[j] = Math.max(max[j], Math.abs(x[r * features + j])); // NaN propagates
        }
      }
      return merge(max, rows);
    }

    /** Adds a device (or CPU) batch: a floating tensor whose last dimension is the features. */
    public Accumulator add(Tensor x, Stream stream) {
      long rows = x.numel() / x.shape().dim(x.shape().rank() - 1);
      return merge(TensorStats.columnAbsmax(x, stream), rows);
    }

    private Accumulator merge(float[] max, long rows) {
      if (featureMax == null) {
        featureMax = max;
      } else if (featureMax.length != max.length) {
        throw new IllegalArgumentException(
            "layer " + name + ": a batch has " + max.length + " features, earlier ones " + featureMax.length);
      } else {
        for (int j = 0; j < max.length; j++) {
          featureMax[j] = Math.max(featureMax[j], max[j]);
        }
      }
      tokens += rows;
      return this;
    }

    /** The statistics of everything added so far. */
    public LayerStats stats() {
      if (featureMax == null) {
        throw new IllegalStateException("layer " + name + ": no batch was added");
      }
      int features = featureMax.length;
      int[] found = new int[features];
      int count = 0;
      float maxMagnitude = 0f;
      for (int j = 0; j < features; j++) {
        if (featureMax[j] > threshold) {
          found[count++] = j;
        }
        maxMagnitude = Math.max(maxMagnitude, featureMax[j]);
      }
      float hi = Float.isFinite(maxMagnitude) && maxMagnitude > 0 ? Math.max(maxMagnitude, threshold) * 1.0001f : 2 * threshold;
      int[] hist = new int[HISTOGRAM_BINS];
      for (float v : featureMax) {
        if (!Float.isNaN(v)) {
          hist[Math.min(HISTOGRAM_BINS - 1, (int) (v / hi * HISTOGRAM_BINS))]++;
        }
      }
      return new LayerStats(
          name, tokens, features, threshold, java.util.Arrays.copyOf(found, count), maxMagnitude,
          featureMax.clone(), hi, hist);
    }
  }

  /** The statistics of one layer's input activations from host batches of {@code rows} tokens. */
  public static LayerStats of(String name, List<float[]> batches, int rows, float threshold) {
    Accumulator a = new Accumulator(name, threshold);
    for (float[] b : batches) {
      a.add(b, rows);
    }
    return a.stats();
  }

  /**
   * Runs each batch ([rows, features] host arrays) through the sequence of layers and records
   * every layer's input: layer i sees the output of layer i - 1.
   */
  public static Report analyze(List<Layer<float[]>> layers, List<float[]> batches, int rows, float threshold) {
    List<Accumulator> acc = new ArrayList<>();
    for (Layer<float[]> l : layers) {
      acc.add(new Accumulator(l.name(), threshold));
    }
    for (float[] batch : batches) {
      float[] x = batch;
      for (int i = 0; i < layers.size(); i++) {
        acc.get(i).add(x, rows);
        x = layers.get(i).forward(x);
      }
    }
    return report(acc, threshold);
  }

  /**
   * As {@link #analyze(List, List, int, float)} for device layers: the statistics are computed
   * on the device; the intermediate tensors are closed once used (the batches stay the caller's).
   */
  public static Report analyzeTensors(
      List<Layer<Tensor>> layers, List<Tensor> batches, float threshold, Stream stream) {
    List<Accumulator> acc = new ArrayList<>();
    for (Layer<Tensor> l : layers) {
      acc.add(new Accumulator(l.name(), threshold));
    }
    for (Tensor batch : batches) {
      Tensor x = batch;
      for (int i = 0; i < layers.size(); i++) {
        acc.get(i).add(x, stream);
        Tensor y = layers.get(i).forward(x);
        if (x != batch && y != x) {
          x.close();
        }
        x = y;
      }
      if (x != batch) {
        x.close();
      }
    }
    return report(acc, threshold);
  }

  private static Report report(List<Accumulator> acc, float threshold) {
    List<LayerStats> stats = new ArrayList<>();
    for (Accumulator a : acc) {
      stats.add(a.stats());
    }
    return new Report(stats, threshold);
  }

  /** Per-layer statistics with their JSON, CSV and PNG renderings. */
  public record Report(List<LayerStats> layers, float threshold) {
    public Report {
      layers = List.copyOf(layers);
    }

    /** The report as a JSON document (per layer: every field of {@link LayerStats}). */
    public String toJson() {
      List<Map<String, Object>> ls = new ArrayList<>();
      for (LayerStats s : layers) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("tokens", s.tokens());
        m.put("features", s.features());
        m.put("outlier_count", s.outlierColumns().length);
        m.put("outlier_ratio", s.outlierRatio());
        m.put("outlier_columns", s.outlierColumns());
        m.put("max_magnitude", finiteOrString(s.maxMagnitude()));
        m.put("histogram_max", s.histogramMax());
        m.put("histogram", s.histogram());
        List<Object> fm = new ArrayList<>();
        for (float v : s.featureMax()) {
          fm.add(finiteOrString(v));
        }
        m.put("feature_max", fm);
        ls.add(m);
      }
      Map<String, Object> root = new LinkedHashMap<>();
      root.put("threshold", threshold);
      root.put("histogram_bins", HISTOGRAM_BINS);
      root.put("layers", ls);
      try {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** One line per layer: the summary, the outlier columns separated by spaces. */
    public String toCsv() {
      StringBuilder sb = new StringBuilder(
          "layer,tokens,features,threshold,outlier_count,outlier_ratio,max_magnitude,outlier_columns\n");
      for (LayerStats s : layers) {
        StringBuilder cols = new StringBuilder();
        for (int j : s.outlierColumns()) {
          cols.append(cols.isEmpty() ? "" : " ").append(j);
        }
        sb.append(String.format(Locale.ROOT, "\"%s\",%d,%d,%s,%d,%.6f,%s,\"%s\"%n",
            s.name().replace("\"", "\"\""), s.tokens(), s.features(), s.threshold(),
            s.outlierColumns().length, s.outlierRatio(), s.maxMagnitude(), cols));
      }
      return sb.toString();
    }

    public void writeJson(Path file) throws IOException {
      Files.writeString(file, toJson(), StandardCharsets.UTF_8);
    }

    public void writeCsv(Path file) throws IOException {
      Files.writeString(file, toCsv(), StandardCharsets.UTF_8);
    }

    /** Draws the chart ({@link #render}) into a PNG file. */
    public void writePng(Path file) throws IOException {
      if (!ImageIO.write(render(), "png", file.toFile())) {
        throw new IOException("no PNG writer available");
      }
    }

    /**
     * The chart, headless: one row per layer with its name, the share of outlier columns (bar)
     * and the max magnitude, and beside them the histogram of per-feature maxima as a strip of
     * cells (darker = more features; the bins beyond the threshold in red). On a host without
     * fonts (a bare GPU server: AWT cannot draw text there) the chart is drawn without its labels;
     * the JSON and CSV reports carry them.
     */
    public BufferedImage render() {
      if (System.getProperty("java.awt.headless") == null) {
        System.setProperty("java.awt.headless", "true");
      }
      int rowH = 28, top = 50, nameW = 260, barW = 200, gap = 20, cell = 14;
      int width = nameW + barW + gap + HISTOGRAM_BINS * cell + 40;
      int height = top + rowH * Math.max(1, layers.size()) + 30;
      BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
      Graphics2D g0 = img.createGraphics();
      Labels g = new Labels(g0);
      try {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(String.format(Locale.ROOT, "LLM.int8() outlier features (|x| > %s)", threshold), 10, 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.drawString("outlier columns (share of features)", nameW, 40);
        g.drawString("histogram of per-feature max |x|", nameW + barW + gap, 40);
        double maxRatio = 0;
        for (LayerStats s : layers) {
          maxRatio = Math.max(maxRatio, s.outlierRatio());
        }
        for (int i = 0; i < layers.size(); i++) {
          LayerStats s = layers.get(i);
          int y = top + i * rowH;
          g.setColor(Color.BLACK);
          String name = s.name().length() > 40 ? "…" + s.name().substring(s.name().length() - 39) : s.name();
          g.drawString(name, 10, y + 16);
          int w = maxRatio == 0 ? 0 : (int) Math.round((barW - 70) * s.outlierRatio() / maxRatio);
          g.setColor(new Color(200, 60, 50));
          g.fillRect(nameW, y + 5, Math.max(w, s.outlierColumns().length > 0 ? 1 : 0), rowH - 10);
          g.setColor(Color.BLACK);
          g.drawString(String.format(Locale.ROOT, "%d (%.2f%%), max %.3g", s.outlierColumns().length,
              100 * s.outlierRatio(), s.maxMagnitude()), nameW + w + 4, y + 16);
          int peak = 1;
          for (int c : s.histogram()) {
            peak = Math.max(peak, c);
          }
          int x0 = nameW + barW + gap;
          for (int b = 0; b < HISTOGRAM_BINS; b++) {
            float lo = s.histogramMax() * b / HISTOGRAM_BINS;
            boolean beyond = lo >= s.threshold();
            double t = s.histogram()[b] == 0 ? 0 : 0.25 + 0.75 * Math.log1p(s.histogram()[b]) / Math.log1p(peak);
            int shade = (int) Math.round(255 * (1 - t));
            g.setColor(beyond ? new Color(255, shade, shade) : new Color(shade, shade, 255));
            g.fillRect(x0 + b * cell, y + 4, cell - 1, rowH - 8);
          }
          int tx = x0 + (int) Math.round(HISTOGRAM_BINS * cell * Math.min(1.0, s.threshold() / s.histogramMax()));
          g.setColor(Color.DARK_GRAY);
          g.setStroke(new BasicStroke(1.5f));
          g.drawLine(tx, y + 2, tx, y + rowH - 2);
        }
      } finally {
        g0.dispose();
      }
      return img;
    }

    /** The graphics of the chart, whose text is dropped where the host has no fonts. */
    private static final class Labels {
      private final Graphics2D g;
      private final boolean text;

      Labels(Graphics2D g) {
        this.g = g;
        boolean ok;
        try {
          g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
          ok = g.getFontMetrics().getHeight() > 0;
        } catch (RuntimeException | Error e) { // e.g. "Fontconfig head is null" without fonts
          ok = false;
        }
        this.text = ok;
      }

      void setRenderingHint(RenderingHints.Key k, Object v) {
        g.setRenderingHint(k, v);
      }

      void setColor(Color c) {
        g.setColor(c);
      }

      void fillRect(int x, int y, int w, int h) {
        g.fillRect(x, y, w, h);
      }

      void setStroke(BasicStroke s) {
        g.setStroke(s);
      }

      void drawLine(int x1, int y1, int x2, int y2) {
        g.drawLine(x1, y1, x2, y2);
      }

      void setFont(Font f) {
        if (text) {
          g.setFont(f);
        }
      }

      void drawString(String s, int x, int y) {
        if (text) {
          g.drawString(s, x, y);
        }
      }
    }
  }

  private static Object finiteOrString(float v) {
    return Float.isFinite(v) ? (Object) v : Float.toString(v);
  }
}

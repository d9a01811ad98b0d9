package dev.octet.quant.calib;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar on a terminal, shown only once the work has taken longer than {@link
 * #DELAY_NANOS} (so quick runs stay quiet) and redrawn at most ten times a second. Quiet when
 * standard error is not a terminal (a log file, a CI run, a test).
 */
final class ProgressBar {
  static final long DELAY_NANOS = 2_000_000_000L;
  private static final long REDRAW_NANOS = 100_000_000L;
  private static final int WIDTH = 30;

  private final PrintStream out;
  private final boolean enabled;
  private final LongSupplier clock;
  private final long total;
  private final String what;
  private final long start;
  private long lastDraw = Long.MIN_VALUE;
  private boolean shown;

  /**
   * @param total units of work, or -1 when unknown (then a count is shown instead of a bar)
   * @param what the unit, e.g. "batches"
   */
  ProgressBar(PrintStream out, boolean enabled, LongSupplier clock, long total, String what) {
    this.out = out;
    this.enabled = enabled;
    this.clock = clock;
    this.total = total;
    this.what = what;
    this.start = clock.getAsLong();
  }

  /** On standard error when it is a terminal; otherwise quiet. */
  static ProgressBar forTerminal(long total, String what) {
    Console console = System.console();
    boolean terminal = console != null && console.isTerminal();
    return new ProgressBar(System.err, terminal, System::nanoTime, total, what);
  }

  /** Reports that {@code done} units are finished. */
  void update(long done) {
    if (!enabled) {
      return;
    }
    long now = clock.getAsLong();
    if (now - start < DELAY_NANOS || (shown && now - lastDraw < REDRAW_NANOS)) {
      return;
    }
    lastDraw = now;
    shown = true;
    out.print("\r" + line(done, now));
    out.flush();
  }

  /** Ends the line if the bar was shown. */
  void finish(long done) {
    if (shown) {
      out.print("\r" + line(done, clock.getAsLong()) + "\n");
      out.flush();
    }
  }

  String line(long done, long now) {
    double seconds = (now - start) / 1e9;
    if (total <= 0) {
      return String.format(Locale.ROOT, "%d %s  %.1fs", done, what, seconds);
    }
    int filled = (int) Math.min(WIDTH, WIDTH * done / total);
    return String.format(
        Locale.ROOT,
        "[%s%s] %d/%d %s  %.1fs",
        "=".repeat(filled),
        " ".repeat(WIDTH - filled),
        done,
        total,
        what,
        seconds);
  }

  boolean shown() {
    return shown;
  }
}

package dev.octet.testing;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints, at the end of a run, how many tests were skipped and why (registered through
 * META-INF/services, so it runs under Maven Surefire and the console launcher alike).
 */
public final class SkipReport implements TestExecutionListener {
  private final Map<String, AtomicInteger> reasons = new TreeMap<>();

  @Override
  public void executionSkipped(TestIdentifier id, String reason) {
    count(reason);
  }

  @Override
  public void executionFinished(TestIdentifier id, TestExecutionResult result) {
    if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
      String reason =
          result.getThrowable().map(Throwable::getMessage).orElse("aborted").replaceFirst(
              "^Assumption failed: ", "");
      count(reason);
    }
  }

  private synchronized void count(String reason) {
    reasons.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
  }

  @Override
  public synchronized void testPlanExecutionFinished(TestPlan plan) {
    int total = reasons.values().stream().mapToInt(AtomicInteger::get).sum();
    System.out.println("[octet] skipped tests: " + total);
    reasons.forEach((r, n) -> System.out.println("[octet]   " + n + " x " + r));
  }
}

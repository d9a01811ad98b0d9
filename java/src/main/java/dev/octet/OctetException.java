package dev.octet;

/**
 * A failure reported by liboctet: the status, the C function that failed and the library's own
 * message, which names the argument and the value that were wrong.
 */
public final class OctetException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Status status;
  private final String function;
  private final String nativeMessage;

  public OctetException(Status status, String function, String nativeMessage) {
    super(function + " failed (" + status + "): " + nativeMessage);
    this.status = status;
    this.function = function;
    this.nativeMessage = nativeMessage;
  }

  public Status status() {
    return status;
  }

  public String function() {
    return function;
  }

  public String nativeMessage() {
    return nativeMessage;
  }
}

package io.cachet.spi;

import java.net.URI;
import java.util.Map;

/**
 * One request to an origin.
 *
 * @param uri what to fetch
 * @param offset the first byte wanted; above 0 only when resuming
 * @param validators the validators the bytes before {@code offset} were received with; empty when
 *     {@code offset} is 0
 * @param headers extra headers from the caller, such as credentials
 * @param expectedSize the size the caller expects, or -1; an origin may refuse early when the
 *     source declares more
 */
public record OriginRequest(
    URI uri, long offset, Validators validators, Map<String, String> headers, long expectedSize) {

  /** Validates the fields. */
  public OriginRequest {
    if (offset < 0) {
      throw new IllegalArgumentException("offset must not be negative: " + offset);
    }
    if (validators == null) {
      throw new IllegalArgumentException("validators must not be null; use Validators.NONE");
    }
    headers = Map.copyOf(headers);
  }

  /** A request for the whole artifact. */
  public static OriginRequest of(URI uri) {
    return new OriginRequest(uri, 0, Validators.NONE, Map.of(), -1);
  }
}

package io.cachet.reactor.internal;

import java.net.URI;

/**
 * Text that may appear in messages and logs (RELIABILITY.md S18): URLs without user info, query or
 * fragment, and server-supplied strings without control characters, bounded in length.
 */
final class Redact {
  private Redact() {}

  /** The URL without credentials or query values: {@code https://host:8443/path?...}. */
  static String url(URI uri) {
    StringBuilder b = new StringBuilder();
    if (uri.getScheme() != null) {
      b.append(uri.getScheme()).append(':');
    }
    if (uri.isOpaque()) {
      return b.append("...").toString();
    }
    if (uri.getHost() != null) {
      b.append("//").append(uri.getHost());
      if (uri.getPort() != -1) {
        b.append(':').append(uri.getPort());
      }
    } else if (uri.getRawAuthority() != null) {
      b.append("//...");
    }
    if (uri.getRawPath() != null) {
      b.append(uri.getRawPath());
    }
    if (uri.getRawQuery() != null) {
      b.append("?...");
    }
    return printable(b.toString(), 300);
  }

  /** {@code s} with control characters escaped, cut to {@code max} characters. */
  static String printable(String s, int max) {
    StringBuilder out = new StringBuilder(Math.min(s.length(), max) + 8);
    for (int i = 0; i < s.length(); i++) {
      if (out.length() >= max) {
        return out.append("...").toString();
      }
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}

package io.cachet;

import java.net.URI;

/** Small text helpers shared by the API types: printable quoting and URI redaction. */
final class Text {
  private Text() {}

  /** Shows control characters as {@code \\uXXXX} so an error message never carries them raw. */
  static String printable(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * The URI without user info, query or fragment: what may appear in messages, logs and files
   * that other users can read (RELIABILITY.md S13, S18). A query is shown as {@code ?...}.
   */
  static String redact(URI uri) {
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
    return printable(b.toString());
  }

  /** Formats a byte count for people: {@code 1.5 MiB}. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
  }
}

package io.cachet.internal;

import java.net.URI;

/** URIs as they may appear in messages, logs and shared files: no user info, no query values. */
final class Redaction {
  private Redaction() {}

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
    return b.toString();
  }
}

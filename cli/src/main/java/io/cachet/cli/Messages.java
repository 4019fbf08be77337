package io.cachet.cli;

import io.cachet.spi.Text;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How text reaches a person, on stderr or in a CI log that many people read. Every line the CLI
 * writes about a failure goes through {@link #line}, whoever made the text (the engine, an origin,
 * picocli, the CLI):
 *
 * <ol>
 *   <li>control characters are escaped ({@link Text#printable(String)});
 *   <li>every URL is shown as {@link Text#redact(URI)} shows it: no user info, no fragment, a query
 *       as {@code ?...};
 *   <li>advice that names a Java API a command-line user cannot reach is said in the CLI's terms
 *       (an option or an environment variable);
 *   <li>any run of more than {@value #MAX_WORD} characters without a blank (a ten-megabyte URL) is
 *       cut, so that a line stays a line.
 * </ol>
 */
final class Messages {
    /** The longest word a message keeps whole; paths in a cache are about 130 characters. */
    static final int MAX_WORD = 300;

    /** A URL in a sentence: it does not end with the sentence's punctuation. */
    private static final Pattern URL =
            Pattern.compile("\\b[A-Za-z][A-Za-z0-9+.-]{0,30}://[^\\s\"'<>]*[^\\s\"'<>.,;:!?)\\]]");

    private static final Pattern LONG_WORD = Pattern.compile("[^\\s]{" + (MAX_WORD + 1) + ",}");

    /** Java API advice and how a command-line user does the same. */
    private record Translation(Pattern api, String cli) {}

    private static final List<Translation> TRANSLATIONS = List.of(
            new Translation(
                    Pattern.compile("\\b(?:NettyOrigin\\.)?(?:Builder\\.)?trustedCertificates\\b(?:\\([^)]*\\))?"),
                    "--ca-cert FILE (or the variable " + Options.Network.CA_CERT_VARIABLE + "=FILE)"),
            new Translation(
                    Pattern.compile("\\b(?:Cache\\.)?(?:[Bb]uilder(?:\\(\\))?\\.)?sharedWithGroup\\(true\\)"),
                    "--shared-with-group (or " + Options.CacheDir.SHARED_VARIABLE + "=1)"),
            new Translation(
                    Pattern.compile("opened as shared with their group by every one of them"),
                    "opened with --shared-with-group (or " + Options.CacheDir.SHARED_VARIABLE
                            + "=1) by every one of them"),
            new Translation(
                    Pattern.compile("offline mode off: Cache\\.Builder\\.offline\\(false\\)"),
                    "leave out --offline, and unset " + Options.Network.OFFLINE_VARIABLE),
            new Translation(
                    Pattern.compile("offline mode \\(Cache\\.Builder\\.offline\\(true\\)\\)"),
                    "offline mode (--offline, or " + Options.Network.OFFLINE_VARIABLE + "=1)"),
            new Translation(
                    Pattern.compile("build it with Key\\.of\\(URI\\)"),
                    "leave the key out to use the URL without them as the key"),
            new Translation(
                    Pattern.compile(
                            "give the HttpClient's ConnectionProvider more connections(?: or a longer pending queue)?"),
                    "run fewer fetches at a time (fetch-all --concurrency N)"));

    private Messages() {}

    /** One line of a message, ready to print: see the class description. */
    static String line(String text) {
        String s = Text.printable(text);
        s = URL.matcher(s).replaceAll(m -> Matcher.quoteReplacement(redact(m.group())));
        for (Translation t : TRANSLATIONS) {
            s = t.api().matcher(s).replaceAll(Matcher.quoteReplacement(t.cli()));
        }
        return LONG_WORD.matcher(s).replaceAll(m -> Matcher.quoteReplacement(Text.printable(m.group(), MAX_WORD)));
    }

    /**
     * A URL as a user typed it, as the subject of a message: as {@link Text#redact(URI)} shows it if
     * it parses, else in quotes and {@linkplain #redact redacted as text}; clipped either way.
     */
    static String url(String text) {
        String t = text.strip();
        return parses(t) ? shortUrl(t) : '"' + shortUrl(t) + '"';
    }

    /** {@code text} {@linkplain #redact redacted} and cut to {@value #MAX_WORD} characters. */
    static String shortUrl(String text) {
        return Text.printable(redact(text.strip()), MAX_WORD);
    }

    /**
     * {@link Text#redact(URI)} if {@code text} is an absolute URI; otherwise the same done to text:
     * cut at {@code #}, the query shown as {@code ?...}, no user info before the host.
     */
    static String redact(String text) {
        if (parses(text)) {
            return Text.redact(URI.create(text));
        }
        String s = text;
        int hash = s.indexOf('#');
        if (hash >= 0) {
            s = s.substring(0, hash);
        }
        int query = s.indexOf('?');
        if (query >= 0) {
            s = s.substring(0, query) + "?...";
        }
        int authority = s.indexOf("://");
        if (authority >= 0) {
            int start = authority + 3;
            int end = start;
            while (end < s.length() && "/?".indexOf(s.charAt(end)) < 0) {
                end++;
            }
            int at = s.lastIndexOf('@', end - 1);
            if (at >= start) {
                s = s.substring(0, start) + s.substring(at + 1);
            }
        }
        return Text.printable(s);
    }

    private static boolean parses(String text) {
        try {
            return new URI(text).getScheme() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }
}

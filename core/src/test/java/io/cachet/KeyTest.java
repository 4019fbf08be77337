package io.cachet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A URI's key is its RFC 3986 normalized form: URIs that name the same resource share a key, and
 * URIs that name different ones never do. Decoding an escape that is not of an unreserved
 * character would merge distinct URIs, and with them their cached bytes.
 */
class KeyTest {

    @ParameterizedTest(name = "{0} and {1} are different artifacts")
    @CsvSource({
        "https://h.test/q?a=1%26b=2, https://h.test/q?a=1&b=2",
        "https://h.test/a%2Fb, https://h.test/a/b",
        "https://h.test/s?sig=x%2By, https://h.test/s?sig=x+y",
        "https://h.test/s?sig=x%20y, https://h.test/s?sig=x+y",
        "https://h.test/a%3Fb, https://h.test/a?b",
        "https://h.test/p/, https://h.test/p",
        "https://h.test:8443/p, https://h.test/p",
        "http://h.test/p, https://h.test/p",
    })
    void distinctUrisHaveDistinctKeys(String one, String other) {
        assertThat(Key.of(URI.create(one))).isNotEqualTo(Key.of(URI.create(other)));
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
        "HTTPS://Origin.TEST/p, https://origin.test/p",
        "https://origin.test:443/p, https://origin.test/p",
        "http://origin.test:80/p, http://origin.test/p",
        "https://origin.test, https://origin.test/",
        "https://origin.test/a/./b/../c, https://origin.test/a/c",
        "https://origin.test/../../../f, https://origin.test/f",
        "https://origin.test/%7euser/%41, https://origin.test/~user/A",
        "https://origin.test/a%2fb?x=%2a, https://origin.test/a%2Fb?x=%2A",
        "https://origin.test/a/%2E%2E/b, https://origin.test/b",
        "https://user:pw@origin.test/p?q=1#frag, https://origin.test/p?q=1",
        "https://origin.test/caf%C3%A9, https://origin.test/caf%C3%A9",
    })
    void equivalentSpellingsShareTheNormalizedKey(String written, String key) {
        assertThat(Key.of(URI.create(written)).value()).isEqualTo(key);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"https://origin.test/café, https://origin.test/caf%C3%A9"})
    void charactersOutsideAsciiAreKeptAsTheirUtf8Escapes(String written, String key) {
        assertThat(Key.of(URI.create(written)).value()).isEqualTo(key);
    }
}

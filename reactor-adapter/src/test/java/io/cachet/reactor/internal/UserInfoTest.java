package io.cachet.reactor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class UserInfoTest {
    private static String basic(String userColonPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aUserAndPasswordAreBasicAuthorization() {
        assertThat(UserInfo.basic(URI.create("http://alice:s3cret@a.example/x")))
                .isEqualTo(basic("alice:s3cret"));
    }

    @Test
    void userAndPasswordArePercentDecodedAsUtf8AndAPlusStaysAPlus() {
        assertThat(UserInfo.basic(URI.create("http://us%40er:p%3Ass+w%C3%B6rd@a.example/x")))
                .isEqualTo(basic("us@er:p:ss+wörd"));
    }

    @Test
    void onlyTheFirstColonSeparatesThePassword() {
        assertThat(UserInfo.basic(URI.create("http://u:a:b@a.example/x"))).isEqualTo(basic("u:a:b"));
    }

    @Test
    void aUserWithoutPasswordSendsAnEmptyPassword() {
        assertThat(UserInfo.basic(URI.create("http://alice@a.example/x"))).isEqualTo(basic("alice:"));
    }

    @Test
    void noUserInfoNoAuthorization() {
        assertThat(UserInfo.basic(URI.create("http://a.example/x"))).isNull();
        assertThat(UserInfo.basic(URI.create("http://@a.example/x"))).isNull();
    }

    @Test
    void theUrlSentKeepsEverythingButTheUserInfo() {
        assertThat(UserInfo.strip(URI.create("https://u:p@a.example:8443/a%2Fb?x=%26#f")))
                .hasToString("https://a.example:8443/a%2Fb?x=%26");
        assertThat(UserInfo.strip(URI.create("http://u:p@[::1]:8080/x"))).hasToString("http://[::1]:8080/x");
        URI plain = URI.create("http://a.example/x#f");
        assertThat(UserInfo.strip(plain)).isSameAs(plain);
    }
}

package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Artifact;
import io.cachet.FetchRequest;
import io.cachet.Key;
import io.cachet.Sha256;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    private static final Sha256 SHA = new Sha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");

    @Test
    void writesFieldsInOrderOnOneLine() {
        String json = Json.object()
                .put("s", "x")
                .put("n", 42)
                .put("b", true)
                .put("z", (String) null)
                .toString();
        assertThat(json).isEqualTo("{\"s\":\"x\",\"n\":42,\"b\":true,\"z\":null}");
    }

    @Test
    void escapesWhatRfc8259RequiresSoAnyPathOrKeyRoundTrips() {
        String nasty = "a\"b\\c\nd\re\tf\u0001g\u007fh\u2028i/é";
        String json = Json.object().put("k", nasty).toString();

        assertThat(json).doesNotContain("\n", "\r", "\t", "\u0001", "\u2028");
        assertThat(json).isEqualTo("{\"k\":\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u007fh\\u2028i/é\"}");
        assertThat(MiniJson.parse(json)).isEqualTo(Map.of("k", nasty));
    }

    @Test
    void aFetchResultHasTheContractFieldsAndNoCredentials() {
        FetchRequest request = FetchRequest.of("https://user:pw@h.example/m.bin?v=2");
        Artifact artifact = new Artifact(
                request.key(), Path.of("/c/blobs/sha256/9f/" + SHA.hex()), SHA, 1234, Artifact.Source.DOWNLOADED);

        String line = Results.line(request, artifact, true);

        Map<String, Object> fields = MiniJson.parse(line);
        assertThat(fields.keySet())
                .containsExactly("key", "url", "path", "sha256", "size", "source", "connections", "sources");
        assertThat(fields)
                .containsEntry("url", "https://h.example/m.bin?v=2")
                .containsEntry("path", "/c/blobs/sha256/9f/" + SHA.hex())
                .containsEntry("sha256", SHA.hex())
                .containsEntry("size", 1234L)
                .containsEntry("source", "download");
        assertThat(line).doesNotContain("pw");
        assertThat(Results.line(request, artifact, false)).isEqualTo("/c/blobs/sha256/9f/" + SHA.hex());
    }

    @Test
    void aDownloadSaysHowManyConnectionsItUsedAndWhereItsBytesCameFrom() {
        FetchRequest request = FetchRequest.of("https://h/m.bin").withSha256(SHA);
        Artifact downloaded = new Artifact(request.key(), Path.of("/p"), SHA, 1, Artifact.Source.DOWNLOADED);
        Artifact hit = downloaded.withSource(Artifact.Source.HIT);
        Transfers.Used used = new Transfers.Used(8, List.of("https://h/m.bin", "https://mirror/m.bin"));

        Map<String, Object> fields = MiniJson.parse(Results.line(request, downloaded, null, true, used));
        Map<String, Object> hitFields = MiniJson.parse(Results.line(request, hit, null, true, used));

        assertThat(fields).containsEntry("connections", 8L);
        assertThat(fields.get("sources")).isEqualTo(List.of("https://h/m.bin", "https://mirror/m.bin"));
        assertThat(hitFields).as("nothing downloaded").containsEntry("connections", 0L);
        assertThat(hitFields.get("sources")).isEqualTo(List.of());
    }

    @Test
    void sourcesAreNamedAsTheContractSays() {
        assertThat(Results.source(Artifact.Source.HIT)).isEqualTo("hit");
        assertThat(Results.source(Artifact.Source.DOWNLOADED)).isEqualTo("download");
        assertThat(Results.source(Artifact.Source.RESUMED)).isEqualTo("resumed");
        assertThat(Results.source(Artifact.Source.WAITED)).isEqualTo("waited");
    }

    @Test
    void aNamedKeyIsPrintedAsItsName() {
        FetchRequest request = FetchRequest.of("https://h/m.bin").withKey("model-v1");
        Artifact artifact = new Artifact(Key.of("model-v1"), Path.of("/p"), SHA, 1, Artifact.Source.HIT);
        assertThat(MiniJson.parse(Results.line(request, artifact, true))).containsEntry("key", "model-v1");
    }
}

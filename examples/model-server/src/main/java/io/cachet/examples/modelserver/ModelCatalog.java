package io.cachet.examples.modelserver;

import io.cachet.FetchRequest;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The models this server serves, from {@code models.catalog.NAME.url} (and optionally {@code
 * .sha256}, {@code .size}).
 *
 * @param catalog the models by name
 */
@ConfigurationProperties("models")
public record ModelCatalog(Map<String, Model> catalog) {

    public ModelCatalog {
        catalog = catalog == null ? Map.of() : Map.copyOf(catalog);
    }

    /**
     * One model.
     *
     * @param url where it is downloaded from
     * @param sha256 its SHA-256, or null to trust the first download
     * @param size its size in bytes, or null if not known
     */
    public record Model(URI url, String sha256, Long size) {}

    /** The request for the model called {@code name}, cached under that name. */
    public Optional<FetchRequest> request(String name) {
        Model model = catalog.get(name);
        if (model == null) {
            return Optional.empty();
        }
        FetchRequest request = FetchRequest.of(model.url()).withKey(name);
        if (model.sha256() != null) {
            request = request.withSha256(model.sha256());
        }
        if (model.size() != null) {
            request = request.withSize(model.size());
        }
        return Optional.of(request);
    }
}

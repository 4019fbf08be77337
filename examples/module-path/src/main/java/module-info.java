/**
 * An application on the module path: it requires {@code cachet.core} only, and gets the HTTP origin
 * because {@code cachet.reactor}, on the module path, provides the service that core uses.
 */
module cachet.example.modulepath {
    requires cachet.core;
}

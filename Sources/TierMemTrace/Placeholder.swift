public enum TraceModulePlaceholder {}

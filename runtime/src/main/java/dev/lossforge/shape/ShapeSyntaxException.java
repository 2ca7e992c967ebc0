package dev.lossforge.shape;

/** A malformed shape string; {@link #column()} is the 0-based offset of the problem in {@link #source()}. */
public final class ShapeSyntaxException extends IllegalArgumentException {
    private final String source;
    private final int column;
    private final String reason;

    public ShapeSyntaxException(String source, int column, String reason) {
        super("bad shape \"" + source + "\" at column " + (column + 1) + ": " + reason);
        this.source = source;
        this.column = column;
        this.reason = reason;
    }

    public String source() { return source; }

    public int column() { return column; }

    public String reason() { return reason; }
}

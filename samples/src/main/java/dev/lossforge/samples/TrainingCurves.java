package dev.lossforge.samples;

import dev.lossforge.samples.IrisClassifier.EpochStats;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Draws the Iris training curves with XChart: LossForge's run on the left, DL4J's built-in on the right. */
final class TrainingCurves {
    private static final int WIDTH = 700;
    private static final int HEIGHT = 460;

    private TrainingCurves() {
    }

    /** Writes a PNG with the two charts side by side, on the same loss scale, and returns its path. */
    static Path write(List<EpochStats> lossForge, List<EpochStats> builtin, Path png) {
        System.setProperty("java.awt.headless", "true"); // in case a caller other than main() gets here first
        double top = 0;
        for (List<EpochStats> history : List.of(lossForge, builtin)) {
            for (EpochStats s : history) {
                top = Math.max(top, Math.max(s.trainLoss(), s.testLoss()));
            }
        }
        top = Math.ceil(top * 10) / 10; // same y range on both sides, so the curves can be compared by eye
        XYChart left = chart("LossForge CrossEntropyLoss (identity output)", lossForge, top);
        XYChart right = chart("DL4J LossMCXENT (softmax output)", builtin, top);
        try {
            Files.createDirectories(png.toAbsolutePath().getParent());
            BitmapEncoder.saveBitmap(List.of(left, right), 1, 2, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png, e);
        }
        return png.toAbsolutePath().normalize();
    }

    private static XYChart chart(String title, List<EpochStats> history, double top) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(title).xAxisTitle("epoch").yAxisTitle("mean cross-entropy loss").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(top);
        chart.getStyler().setYAxisDecimalPattern("0.0");
        chart.getStyler().setXAxisDecimalPattern("0");
        add(chart, "train loss", history, EpochStats::trainLoss, new Color(31, 119, 180));
        add(chart, "test loss", history, EpochStats::testLoss, new Color(255, 127, 14));
        return chart;
    }

    private static void add(XYChart chart, String name, List<EpochStats> history, ToDoubleFunction<EpochStats> value,
            Color color) {
        double[] epochs = history.stream().mapToDouble(EpochStats::epoch).toArray();
        double[] values = history.stream().mapToDouble(value).toArray();
        XYSeries series = chart.addSeries(name, epochs, values);
        series.setMarker(SeriesMarkers.NONE);
        series.setLineColor(color);
    }
}

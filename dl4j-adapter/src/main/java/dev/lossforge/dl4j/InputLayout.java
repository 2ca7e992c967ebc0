package dev.lossforge.dl4j;

import dev.lossforge.LossFunction;
import dev.lossforge.LossSignature;
import dev.lossforge.shape.ShapeSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Where each of a loss's tensor inputs comes from in a DL4J output layer, which hands a loss exactly two arrays:
 * the network's output and the labels. The loss's <em>network inputs</em> sit side by side along dim 1 of the
 * output, in parameter order, with equal widths; its <em>label inputs</em> sit side by side along dim 1 of the
 * labels (a single label input takes the labels as they are). For example MarginRankingLoss's output is
 * {@code [N, 2]} = (input1 | input2) and its labels the ±1 target; TripletMarginLoss's output is
 * {@code [N, 3D]} = (anchor | positive | negative) and its labels are not used.
 *
 * <p>Which inputs come from the labels, unless the user names them ({@link Dl4jLoss#withLabelInputs}):
 * <ol>
 *   <li>for the catalog losses whose PyTorch call order does not say it, a fixed answer ({@link #CATALOG});</li>
 *   <li>otherwise every input the loss is not differentiable in ({@code @Index} class indices, {@code @NoGrad}
 *       values such as CosineEmbeddingLoss's ±1 target): a network output is always differentiable;</li>
 *   <li>otherwise the second input, PyTorch's {@code loss(input, target)} convention (GaussianNLLLoss's
 *       {@code (input, target, var)} gives target).</li>
 * </ol>
 */
final class InputLayout {
    /** Catalog losses for which rules 2 and 3 would pick wrongly: their label inputs by class name. */
    private static final Map<String, List<String>> CATALOG = Map.of(
            "dev.lossforge.torch.MarginRankingLoss", List.of("target"),
            "dev.lossforge.torch.TripletMarginLoss", List.of(),
            "dev.lossforge.torch.TripletMarginWithDistanceLoss", List.of());

    private final String lossName;
    private final List<LossSignature.Input> inputs;
    /** Positions (in call order) of the inputs taken from the network's output. */
    private final int[] network;
    /** Positions (in call order) of the inputs taken from the labels. */
    private final int[] labels;
    /** Per input: declared of rank 1 (such as {@code "N"}), so that a column {@code [rows, 1]} is given as {@code [rows]}. */
    private final boolean[] rank1;
    /**
     * The last column of labels seen and its {@code [rows]} view: DL4J hands the same labels array to
     * computeGradient and then computeScore, and each new INDArray costs ND4J a registration (~4 us; NLLLoss's whole
     * step at [32,10] is ~100 us). Only a view is kept, so a label written in place between the calls is seen.
     */
    private final AtomicReference<ColumnView> lastColumnView = new AtomicReference<>();

    private record ColumnView(INDArray column, INDArray view) {
    }

    private InputLayout(String lossName, List<LossSignature.Input> inputs, int[] network, int[] labels) {
        this.lossName = lossName;
        this.inputs = inputs;
        this.network = network;
        this.labels = labels;
        this.rank1 = new boolean[inputs.size()];
        for (int i = 0; i < rank1.length; i++) {
            ShapeSpec spec = ShapeSpec.parse(inputs.get(i).shape());
            rank1[i] = spec.dims().size() == 1 && spec.variadicIndex().isEmpty();
        }
    }

    /** The layout for these label inputs, or for the default ones when {@code labelNames} is null. */
    static InputLayout of(LossFunction loss, List<String> labelNames) {
        if (loss.getClass().getName().equals("dev.lossforge.torch.CTCLoss")) {
            // its input is (T, N, C) whole sequences with lengths: rows of an output layer cannot carry it
            throw new IllegalArgumentException("CTCLoss: takes whole sequences (T, N, C) with input and target lengths, which a"
                    + " DL4J output layer's rows [N, C] cannot carry; expected new SequenceLossLayer.Builder(ctc)"
                    + ".activation(new ActivationLogSoftmax()).build() instead of Dl4jLosses.of(ctc)");
        }
        List<LossSignature.Input> inputs = loss.signature().inputs();
        List<String> names = labelNames != null ? labelNames : defaultLabelInputs(loss);
        boolean[] fromLabels = new boolean[inputs.size()];
        for (String name : names) {
            int position = positionOf(inputs, name);
            if (position < 0) {
                throw new IllegalArgumentException(loss.name() + ": label input '" + name + "' is not one of its inputs; expected"
                        + " some of " + inputNames(inputs));
            }
            fromLabels[position] = true;
        }
        List<Integer> network = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            (fromLabels[i] ? labels : network).add(i);
        }
        if (network.isEmpty()) {
            throw new IllegalArgumentException(loss.name() + ": every input " + inputNames(inputs) + " is taken from the labels,"
                    + " so the network's output feeds none; expected at least one input from the output");
        }
        for (int i : network) {
            if (!inputs.get(i).differentiable()) {
                throw new IllegalArgumentException(loss.name() + ": input '" + inputs.get(i).name() + "' would come from the network's"
                        + " output, but the loss has no gradient for it (" + (inputs.get(i).index() ? "class indices" : "@NoGrad")
                        + "); expected it among the label inputs");
            }
        }
        return new InputLayout(loss.name(), inputs, network.stream().mapToInt(Integer::intValue).toArray(),
                labels.stream().mapToInt(Integer::intValue).toArray());
    }

    private static List<String> defaultLabelInputs(LossFunction loss) {
        List<String> catalog = CATALOG.get(loss.getClass().getName());
        if (catalog != null) {
            return catalog;
        }
        List<LossSignature.Input> inputs = loss.signature().inputs();
        List<String> notDifferentiable = inputs.stream().filter(in -> !in.differentiable()).map(LossSignature.Input::name).toList();
        if (!notDifferentiable.isEmpty()) {
            return notDifferentiable;
        }
        return inputs.size() >= 2 ? List.of(inputs.get(1).name()) : List.of();
    }

    private static int positionOf(List<LossSignature.Input> inputs, String name) {
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static String inputNames(List<LossSignature.Input> inputs) {
        return inputs.stream().map(LossSignature.Input::name).toList().toString();
    }

    /** The label inputs' names, in call order: what the adapter serializes. */
    List<String> labelInputNames() {
        return Arrays.stream(labels).mapToObj(i -> inputs.get(i).name()).toList();
    }

    /** Whether the output holds just the loss's first input: then it is passed as it is. */
    boolean outputIsFirstInput() {
        return network.length == 1 && network[0] == 0;
    }

    boolean singleNetworkInput() {
        return network.length == 1;
    }

    /** {@code (input1 | input2)}: the output's layout, for messages and docs. */
    String outputLayout() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < network.length; i++) {
            sb.append(i == 0 ? "" : " | ").append(inputs.get(network[i]).name());
        }
        return sb.append(")").toString();
    }

    /** Whether the single label input holds class indices. */
    boolean labelsAreClassIndices() {
        return labels.length == 1 && inputs.get(labels[0]).index();
    }

    // ---------------------------------------------------------------- DL4J's two arrays to the loss's inputs

    /**
     * The loss's inputs in call order, cut from the (activated) output {@code [rows, C]} and the labels. Slices are
     * views: the loss never writes its inputs.
     *
     * @throws IllegalArgumentException naming the loss and the layout when the columns do not divide evenly
     */
    INDArray[] split(INDArray output, INDArray labelArray) {
        long rows = output.size(0);
        INDArray[] out = new INDArray[inputs.size()];
        INDArray[] fromOutput = sideBySide(output, network, "the network's output", outputLayout());
        for (int i = 0; i < network.length; i++) {
            out[network[i]] = fromOutput[i];
        }
        if (labels.length > 0) {
            INDArray[] fromLabels = labels.length == 1 ? new INDArray[] {labelArray}
                    : sideBySide(labelArray, labels, "the labels", layoutOf(labels));
            for (int i = 0; i < labels.length; i++) {
                out[labels[i]] = asDeclared(fromLabels[i], labels[i], out[network[0]], rows);
            }
        }
        return out;
    }

    private INDArray[] sideBySide(INDArray array, int[] positions, String what, String layout) {
        if (positions.length == 1) {
            return new INDArray[] {array};
        }
        long columns = array.rank() == 2 ? array.size(1) : -1;
        if (columns < 0 || columns % positions.length != 0) {
            throw new IllegalArgumentException(lossName + ": " + what + " has shape " + Arrays.toString(array.shape()) + " but holds "
                    + positions.length + " inputs " + layout + " side by side along dim 1; expected [" + array.size(0) + ", "
                    + positions.length + "·D], the same width D for each");
        }
        long width = columns / positions.length;
        INDArray[] slices = new INDArray[positions.length];
        for (int i = 0; i < positions.length; i++) {
            INDArray slice = array.get(NDArrayIndex.all(), NDArrayIndex.interval(i * width, (i + 1) * width));
            slices[i] = rank1[positions[i]] && width == 1 ? slice.reshape(array.size(0)) : slice;
        }
        return slices;
    }

    private String layoutOf(int[] positions) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < positions.length; i++) {
            sb.append(i == 0 ? "" : " | ").append(inputs.get(positions[i]).name());
        }
        return sb.append(")").toString();
    }

    /**
     * A label input in the shape its declaration asks for where that is unambiguous: a column {@code [rows, 1]}
     * becomes {@code [rows]} for class indices and for inputs declared of rank 1 ({@code "N"}); a vector
     * {@code [rows]} becomes {@code [rows, 1]} for an input declared like the first network input when that is a
     * column (MarginRankingLoss's target beside its {@code [N, 1]} inputs). Anything else passes as it is.
     */
    private INDArray asDeclared(INDArray label, int position, INDArray firstNetworkInput, long rows) {
        boolean index = inputs.get(position).index();
        boolean column = label.rank() == 2 && label.size(1) == 1;
        if (column && (index || rank1[position])) {
            ColumnView last = lastColumnView.get();
            if (last != null && last.column() == label) {
                return last.view();
            }
            INDArray vector = label.reshape(rows); // a view, or a copy when the layout needs one: the loss never writes it
            if (!label.isEmpty() && vector.data().address() == label.data().address()) { // a view (a copy lives elsewhere)
                lastColumnView.set(new ColumnView(label, vector));
            }
            return vector;
        }
        boolean networkColumn = firstNetworkInput.rank() == 2 && firstNetworkInput.size(1) == 1;
        if (label.rank() == 1 && networkColumn && !index && !rank1[position]) {
            return label.reshape(rows, 1);
        }
        return label;
    }

    // ---------------------------------------------------------------- the loss's gradients back to the output

    /** The gradient with respect to the output {@code [rows, columns]}: the network inputs' gradients side by side. */
    INDArray join(INDArray[] gradients, long rows, long columns) {
        if (network.length == 1) {
            INDArray gradient = gradients[network[0]];
            // a reshape is a new INDArray even when nothing changes: ND4J registers each (~4 µs at small sizes)
            return gradient.rank() == 2 && gradient.size(0) == rows && gradient.size(1) == columns ? gradient
                    : gradient.reshape(rows, columns);
        }
        INDArray[] parts = new INDArray[network.length];
        long width = columns / network.length;
        for (int i = 0; i < network.length; i++) {
            parts[i] = gradients[network[i]].reshape(rows, width);
        }
        return Nd4j.hstack(parts);
    }
}

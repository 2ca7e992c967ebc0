package com.example;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Runs the generated NllLoss once: a user's project that compiled and runs prints "NllLoss ok". */
public class Main {
    public static void main(String[] args) {
        INDArray logProbs = Nd4j.createFromArray(new double[][] {{-0.5, -1.0}, {-2.0, -0.1}});
        INDArray target = Nd4j.createFromArray(new long[] {0, 1});
        double loss = new NllLoss().forward(logProbs, target).getDouble(0);
        // by hand: mean of 0.5 and 0.1
        if (Math.abs(loss - 0.3) > 1e-12) {
            throw new AssertionError("NllLoss gave " + loss + ", expected 0.3");
        }
        System.out.println("NllLoss ok on Java " + System.getProperty("java.version") + ": " + loss);
    }
}

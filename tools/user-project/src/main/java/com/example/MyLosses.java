package com.example;

import static dev.lossforge.dsl.Ops.*;

import dev.lossforge.Index;
import dev.lossforge.Loss;
import dev.lossforge.Option;
import dev.lossforge.Shape;
import dev.lossforge.dsl.Tensor;

/** The README's "Write your own loss" example: check.sh compiles it in a project set up as the README says. */
class MyLosses {
    @Loss(pred = "N,C,*d", target = "N,*d")      // symbolic shapes, checked at compile time
    static Tensor nll(Tensor input, @Index("C") Tensor target,
                      @Option(defaultValue = "1") @Shape("C") Tensor weight,
                      @Option(defaultValue = "-100") long ignoreIndex) {
        Tensor w = take(weight, target, ignoreIndex);
        return weighted(gather(input, 1, target, ignoreIndex).neg().mul(w), w);  // MEAN divides by sum(w)
    }
}

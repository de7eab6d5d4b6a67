package org.tensorflow.lite;

/** Compile-time stub (see Interpreter). */
public interface Delegate {
}

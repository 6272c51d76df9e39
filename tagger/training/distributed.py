"""Data-parallel training under a tf.distribute strategy, in a training step of its own.

Why not `model.fit`: under MultiWorkerMirroredStrategy, Keras 3 (3.15 on TensorFlow 2.21, checked) fails
before the first step: `Trainer._maybe_symbolic_build` hands a batch of PerReplica values to
`strategy.reduce`, which raises "Attempt to convert a value (PerReplica ...) to a Tensor"
(keras-team/keras#20585, tensorflow/tensorflow#72388). And where fit does run under a strategy, each
replica's loss is the mean over its own tokens divided by the number of replicas, which weighs a replica
holding short sentences as much as one holding long ones.

The step here: a global batch of sentences is split across the replicas (sentence i to replica i mod R);
each replica encodes and pads only its part and takes the masked sequence loss summed over its real tokens,
divided by the real tokens of the whole global batch. Summed over replicas, the gradients are then exactly
the gradient of the single-process loss on the global batch. They are all-reduced once and then clipped,
as a single process clips the gradient of the whole batch: Keras' optimizer would clip each replica's part
before adding the parts up, so it gets them reduced and clipped, with its own reduction turned off
(`without_gradient_reduction`; Keras 2 offered that as `experimental_aggregate_gradients=False`).

Every worker runs the same steps: all compute the same list of global batches from the same seed, and a
replica whose part of a batch is empty gets one all-padding row, which adds nothing to loss or gradients.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from . import native_stderr_silenced


class StrategyError(RuntimeError):
    """The strategy cannot be set up in this process (said in one line)."""


def multi_worker_strategy() -> tf.distribute.MultiWorkerMirroredStrategy:
    """MultiWorkerMirroredStrategy for the cluster TF_CONFIG describes, as TensorFlow documents it.

    TensorFlow accepts it only before it has found its devices: tagger.training leaves them alone when
    TF_CONFIG is set, and this must be the first thing that touches TensorFlow's runtime.
    """
    cluster = json.loads(os.environ["TF_CONFIG"]).get("cluster", {})
    with native_stderr_silenced():  # device discovery's chatter, as on import
        try:
            _patient_coordination(tf.distribute.cluster_resolver.TFConfigClusterResolver().cluster_spec())
            return tf.distribute.MultiWorkerMirroredStrategy()
        except RuntimeError as error:
            if "at program startup" not in str(error):
                raise
            raise StrategyError(
                f"TF_CONFIG names a cluster of {sum(len(tasks) for tasks in cluster.values())} tasks, but "
                "TensorFlow was already running in this process: multi-worker training must start in a fresh "
                "process") from None


# Seconds a worker may go without a sign of life, or wait for the others to join, before the cluster gives
# up. TensorFlow's default (10 s without a heartbeat) ends runs on a loaded machine while a worker is still
# importing TensorFlow; a crashed worker is still noticed within this.
HEARTBEAT_SECONDS = 120
JOIN_SECONDS = 600


def _patient_coordination(cluster_spec: tf.train.ClusterSpec) -> None:
    """Set up TensorFlow's coordination service as MultiWorkerMirroredStrategy would, with longer timeouts.

    The strategy keeps a service configured before it is created; the calls are TensorFlow's internal
    ones, so a TensorFlow without them gets its own defaults.
    """
    try:
        from tensorflow.compiler.xla.tsl.protobuf import coordination_config_pb2
        from tensorflow.python.distribute import multi_worker_util
        from tensorflow.python.eager import context
    except ImportError:
        return
    jobs = [coordination_config_pb2.CoordinatedJob(name=job, num_tasks=cluster_spec.num_tasks(job))
            for job in ("chief", "worker") if job in cluster_spec.jobs]
    context.context().configure_coordination_service(
        service_type="standalone", service_leader=multi_worker_util.coordination_leader(cluster_spec),
        coordinated_jobs=jobs, heartbeat_timeout_in_ms=HEARTBEAT_SECONDS * 1000,
        cluster_register_timeout_in_ms=JOIN_SECONDS * 1000)


def strategy_name(strategy: tf.distribute.Strategy) -> str:
    """The public name (MultiWorkerMirroredStrategy's own class is CollectiveAllReduceStrategy)."""
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return "MultiWorkerMirroredStrategy"
    return type(strategy).__name__


def local_replicas(strategy: tf.distribute.Strategy) -> int:
    return len(strategy.extended.worker_devices)


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """The one worker that writes the model (every process for a single-machine strategy)."""
    return bool(strategy.extended.should_checkpoint)


class ReplicaData:
    """The training batches as each replica gets them, from `dataset_for(replica_ids)`.

    `dataset_for` gives, for each global batch in order, one element per replica in `replica_ids` (those of
    this worker), each `(inputs, tags, global_tokens)`. The elements go to the local replicas in turn, which
    is how tf.distribute hands a worker's dataset to its devices.
    """

    def __init__(self, strategy: tf.distribute.Strategy,
                 dataset_for: Callable[[list[int]], tf.data.Dataset]):
        self.worker, self.workers = 0, 1

        def dataset_fn(context: tf.distribute.InputContext) -> tf.data.Dataset:
            local = context.num_replicas_in_sync // context.num_input_pipelines
            self.worker, self.workers = context.input_pipeline_id, context.num_input_pipelines
            first = context.input_pipeline_id * local
            return dataset_for(list(range(first, first + local)))

        # A dataset per worker, already cut per replica: tf.distribute neither shards nor rebatches it.
        self.dataset = strategy.distribute_datasets_from_function(dataset_fn)


def train_step(strategy: tf.distribute.Strategy, model: keras.Model, clipnorm: float | None):
    """A tf.function(iterator) -> (global mean loss, sentences in the global batch) that trains on one batch.

    `model.optimizer` must have been built inside `strategy.scope()`, without clipping: the step clips.
    """
    variables = model.trainable_variables
    optimizer = without_gradient_reduction(model.optimizer)
    head_losses = model.head_summed_losses()  # the loss of each head (softmax or CRF), summed over real tokens

    def replica_step(inputs, tags, global_tokens):
        tags = tags if isinstance(tags, tuple) else (tags,)
        with tf.GradientTape() as tape:
            logits = model(inputs, training=True)
            logits = logits if isinstance(logits, tuple) else (logits,)
            loss = tf.add_n([head_loss(head_tags, head_logits)[0] for head_loss, head_tags, head_logits
                             in zip(head_losses, tags, logits)]) / global_tokens
        gradients = tape.gradient(loss, variables)
        context = tf.distribute.get_replica_context()
        gradients = context.all_reduce(tf.distribute.ReduceOp.SUM, gradients)
        if clipnorm:
            gradients = [tf.clip_by_norm(gradient, clipnorm) for gradient in gradients]
        optimizer.apply(gradients, variables)
        sentences = tf.reduce_sum(tf.cast(tf.reduce_any(tf.not_equal(tags[0], 0), axis=1), tf.float32))
        return tf.stack([loss, sentences])

    @tf.function
    def step(iterator):
        inputs, tags, global_tokens = next(iterator)
        per_replica = strategy.run(replica_step, args=(inputs, tags, global_tokens))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

    return step


def without_gradient_reduction(optimizer: keras.optimizers.Optimizer) -> keras.optimizers.Optimizer:
    """The optimizer, told to apply the gradients it is given in a replica as they are: already summed.

    Keras 3's TensorFlow optimizer sums them over the replicas itself, in `_all_reduce_sum_gradients`; it is
    replaced on this one object. Should a Keras version lose that method, this fails rather than let the
    gradients be summed twice (tests/test_distributed.py checks the result against one process).
    """
    if not callable(getattr(optimizer, "_all_reduce_sum_gradients", None)):
        raise StrategyError(f"Keras {keras.__version__}: the optimizer has no _all_reduce_sum_gradients to turn off; "
                            "distributed training needs a Keras 3 version that has it (3.0 to 3.15 do)")
    optimizer._all_reduce_sum_gradients = lambda gradients_and_variables: gradients_and_variables
    return optimizer


class WorkerSums:
    """Sums of a few numbers over the workers, the same on every worker afterwards. A collective: every
    worker calls it at the same point, with as many values."""

    def __init__(self, strategy: tf.distribute.Strategy):
        self.strategy = strategy
        local = local_replicas(strategy)

        def replica_sum(values):
            context = tf.distribute.get_replica_context()
            # Each worker's values count once, from its first replica.
            first = tf.cast(tf.equal(context.replica_id_in_sync_group % local, 0), values.dtype)
            return context.all_reduce(tf.distribute.ReduceOp.SUM, values * first)

        self._all_sum = tf.function(lambda values: strategy.run(replica_sum, args=(values,)))

    def __call__(self, values) -> np.ndarray:
        summed = self._all_sum(tf.constant(np.asarray(values, dtype=np.float64)))
        return self.strategy.experimental_local_results(summed)[0].numpy()


def run_distributed_epochs(strategy: tf.distribute.Strategy, model: keras.Model, data: ReplicaData, steps: int,
                           epochs: int, callbacks: list, clipnorm: float | None, sums: WorkerSums) -> None:
    """pipelines.training.loop.run_epochs for a strategy: its contract, with `train_step` in place of fit's.

    The loss logged is the running mean over the epoch's batches weighted by their sentences, as fit logs
    it. After each epoch the workers agree whether to stop: if any callback on any worker asks to (a time
    limit reads each worker's clock), all stop, so none waits for a step that never comes.
    """
    step = train_step(strategy, model, clipnorm)
    callbacks = keras.callbacks.CallbackList(callbacks, model=model, epochs=epochs, steps=steps)
    model.stop_training = False
    callbacks.on_train_begin()
    for epoch in range(epochs):
        callbacks.on_epoch_begin(epoch)
        iterator = iter(data.dataset)
        loss_total = sentences_total = 0.0
        for batch in range(steps):
            callbacks.on_train_batch_begin(batch)
            loss, sentences = step(iterator).numpy()
            loss_total, sentences_total = loss_total + loss * sentences, sentences_total + sentences
            callbacks.on_train_batch_end(batch, {"loss": loss_total / max(sentences_total, 1.0)})
        logs = {"loss": loss_total / max(sentences_total, 1.0)}
        callbacks.on_epoch_end(epoch, logs)
        model.stop_training = bool(sums([float(model.stop_training)])[0])
        if model.stop_training:
            break
    model.optimizer.finalize_variable_values(model.trainable_variables)
    callbacks.on_train_end(logs)

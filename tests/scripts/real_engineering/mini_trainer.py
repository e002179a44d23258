"""A hand-written Lightning-like Trainer: LightningModule-style hooks, callbacks (EarlyStopping on a
val metric, ModelCheckpoint keeping the best state_dict via copy.deepcopy, an LR monitor), gradient
accumulation, clip_grad_norm_ whose returned norm is logged, eval under torch.no_grad, metrics
accumulated with .item() and predictions gathered with torch.cat."""
import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(42)


class Callback:
    def on_fit_start(self, trainer, module): pass
    def on_train_epoch_end(self, trainer, module): pass
    def on_validation_end(self, trainer, module): pass
    def on_fit_end(self, trainer, module): pass


class EarlyStopping(Callback):
    def __init__(self, monitor='val_loss', mode='min', patience=2, min_delta=0.0):
        self.monitor, self.mode, self.patience, self.min_delta = monitor, mode, patience, min_delta
        self.wait = 0
        self.best = math.inf if mode == 'min' else -math.inf

    def _improved(self, value):
        if self.mode == 'min':
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_validation_end(self, trainer, module):
        value = trainer.metrics[self.monitor]
        if self._improved(value):
            self.best, self.wait = value, 0
        else:
            self.wait += 1
            print(f'  [EarlyStopping] {self.monitor} did not improve ({value:.4f} vs {self.best:.4f}), '
                  f'wait={self.wait}/{self.patience}')
            if self.wait >= self.patience:
                trainer.should_stop = True


class ModelCheckpoint(Callback):
    def __init__(self, monitor='val_acc', mode='max'):
        self.monitor, self.mode = monitor, mode
        self.best_score = None
        self.best_state = None
        self.best_epoch = -1

    def on_validation_end(self, trainer, module):
        score = trainer.metrics[self.monitor]
        better = self.best_score is None or (score > self.best_score if self.mode == 'max' else score < self.best_score)
        if better:
            self.best_score = score
            self.best_state = copy.deepcopy(module.state_dict())
            self.best_epoch = trainer.current_epoch
            print(f'  [ModelCheckpoint] new best {self.monitor}={score:.4f} at epoch {trainer.current_epoch}')


class LearningRateMonitor(Callback):
    def __init__(self):
        self.history = []

    def on_train_epoch_end(self, trainer, module):
        lrs = [g['lr'] for g in trainer.optimizer.param_groups]
        self.history.append(lrs[0])
        print(f'  [LR] {["%.5f" % lr for lr in lrs]}')


class LitClassifier(nn.Module):
    def __init__(self, in_dim=6, hidden=16, n_classes=3, lr=0.05):
        super().__init__()
        self.hparams = dict(in_dim=in_dim, hidden=hidden, n_classes=n_classes, lr=lr)
        # bias=False: BatchNorm cancels it anyway (and Adam would amplify its ~0 gradient)
        self.net = nn.Sequential(nn.Linear(in_dim, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(),
                                 nn.Dropout(0.1), nn.Linear(hidden, n_classes))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        return F.cross_entropy(logits, y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        return {'loss': F.cross_entropy(logits, y, reduction='sum'), 'preds': logits.argmax(dim=1), 'target': y}

    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.parameters(), lr=self.hparams['lr'], weight_decay=1e-2)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        return opt, sched


class Trainer:
    def __init__(self, max_epochs=8, accumulate_grad_batches=2, gradient_clip_val=1.0, callbacks=()):
        self.max_epochs = max_epochs
        self.accumulate = accumulate_grad_batches
        self.clip = gradient_clip_val
        self.callbacks = list(callbacks)
        self.should_stop = False
        self.current_epoch = 0
        self.global_step = 0
        self.metrics = {}

    def _call(self, hook, module):
        for cb in self.callbacks:
            getattr(cb, hook)(self, module)

    def fit(self, module, train_loader, val_loader):
        self.optimizer, self.scheduler = module.configure_optimizers()
        self._call('on_fit_start', module)
        for epoch in range(self.max_epochs):
            self.current_epoch = epoch
            module.train()
            running, n_batches = 0.0, 0
            self.optimizer.zero_grad()
            for i, batch in enumerate(train_loader):
                loss = module.training_step(batch, i) / self.accumulate
                loss.backward()
                running += loss.item() * self.accumulate
                n_batches += 1
                if (i + 1) % self.accumulate == 0 or (i + 1) == len(train_loader):
                    norm = torch.nn.utils.clip_grad_norm_(module.parameters(), self.clip)
                    self.optimizer.step()
                    self.optimizer.zero_grad()
                    self.global_step += 1
                    if self.global_step % 3 == 0:
                        print(f'  step {self.global_step:2d} grad_norm={norm.item():.4f} ({norm.dtype}, {norm.dim()}-d)')
            self.scheduler.step()
            self.metrics['train_loss'] = running / n_batches
            self._call('on_train_epoch_end', module)
            self.validate(module, val_loader)
            print(f'epoch {epoch}: ' + ', '.join(f'{k}={v:.4f}' for k, v in sorted(self.metrics.items())))
            self._call('on_validation_end', module)
            if self.should_stop:
                print(f'Early stop at epoch {epoch} (global_step={self.global_step})')
                break
        self._call('on_fit_end', module)

    @torch.no_grad()
    def validate(self, module, loader):
        module.eval()
        total_loss, count = 0.0, 0
        preds, targets = [], []
        for i, batch in enumerate(loader):
            out = module.validation_step(batch, i)
            assert not out['loss'].requires_grad
            total_loss += out['loss'].item()
            count += out['target'].numel()
            preds.append(out['preds'])
            targets.append(out['target'])
        preds, targets = torch.cat(preds), torch.cat(targets)
        self.metrics['val_loss'] = total_loss / count
        self.metrics['val_acc'] = (preds == targets).float().mean().item()
        self.last_preds = preds


# synthetic 3-class problem
X = torch.randn(120, 6)
W = torch.randn(6, 3)
y = (X @ W + 0.5 * torch.randn(120, 3)).argmax(dim=1)
train_ds, val_ds = TensorDataset(X[:90], y[:90]), TensorDataset(X[90:], y[90:])
train_loader = DataLoader(train_ds, batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(val_ds, batch_size=8)
print('train batches:', len(train_loader), 'val batches:', len(val_loader))
print('class counts:', torch.bincount(y, minlength=3).tolist())

model = LitClassifier()
print(model)
print('hparams:', model.hparams)
early = EarlyStopping(monitor='val_loss', patience=2, min_delta=1e-3)
ckpt = ModelCheckpoint(monitor='val_acc', mode='max')
lrmon = LearningRateMonitor()
trainer = Trainer(max_epochs=10, accumulate_grad_batches=2, gradient_clip_val=0.5, callbacks=[early, ckpt, lrmon])
trainer.fit(model, train_loader, val_loader)

print('best epoch:', ckpt.best_epoch, 'best val_acc: %.4f' % ckpt.best_score)
print('best state keys:', list(ckpt.best_state.keys()))
print('num_batches_tracked in best:', ckpt.best_state['net.1.num_batches_tracked'])
same = torch.equal(ckpt.best_state['net.0.weight'], model.state_dict()['net.0.weight'])
print('best weights equal to final:', same)
print('lr history:', ['%.5f' % v for v in lrmon.history])

# restore best and re-evaluate
final_acc = trainer.metrics['val_acc']
model.load_state_dict(ckpt.best_state)
trainer.validate(model, val_loader)
print('restored val_acc: %.4f (final was %.4f)' % (trainer.metrics['val_acc'], final_acc))
print('preds:', trainer.last_preds.tolist())
print('preds dtype/shape:', trainer.last_preds.dtype, tuple(trainer.last_preds.shape))
with torch.no_grad():
    probs = F.softmax(model(X[90:95]), dim=-1)
print('probs:\n', probs)
print('probs requires_grad:', probs.requires_grad, 'training flag:', model.training)

# Advantage actor-critic with a shared trunk over a batch of tiny "corridor" environments
import random
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical

torch.manual_seed(11)
random.seed(11)


class Corridor:
    """Positions 0..6; reaching 6 pays +1, reaching 0 pays -0.5; random slip."""
    def __init__(self, seed):
        self.rng = random.Random(seed)

    def reset(self):
        self.pos = 3
        return self.pos

    def step(self, a):
        move = 1 if a == 1 else -1
        if self.rng.random() < 0.1:
            move = -move
        self.pos += move
        if self.pos >= 6:
            return self.pos, 1.0, True
        if self.pos <= 0:
            return self.pos, -0.5, True
        return self.pos, -0.01, False


def one_hot_states(positions):
    return F.one_hot(torch.tensor(positions), num_classes=7).float()


class ActorCritic(nn.Module):
    def __init__(self, n_states=7, n_actions=2, hidden=24):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(n_states, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.policy_head = nn.Linear(hidden, n_actions)
        self.value_head = nn.Linear(hidden, 1)

    def forward(self, x):
        h = self.trunk(x)
        return self.policy_head(h), self.value_head(h).squeeze(-1)


model = ActorCritic()
print(model)
print('params', sum(p.numel() for p in model.parameters()), [tuple(p.shape) for p in model.parameters()])
opt = torch.optim.RMSprop(model.parameters(), lr=7e-3, alpha=0.99, eps=1e-5)
envs = [Corridor(s) for s in range(4)]
states = [e.reset() for e in envs]
gamma, n_steps = 0.95, 5
episode_returns, running = [], [0.0] * 4
for update in range(20):
    log_probs, values, rewards, masks, entropies = [], [], [], [], []
    for _ in range(n_steps):
        logits, value = model(one_hot_states(states))
        dist = Categorical(logits=logits)
        action = dist.sample()
        log_probs.append(dist.log_prob(action))
        entropies.append(dist.entropy())
        values.append(value)
        r_list, m_list = [], []
        for i, (env, a) in enumerate(zip(envs, action.tolist())):
            s, r, done = env.step(a)
            running[i] += r
            if done:
                episode_returns.append(running[i])
                running[i] = 0.0
                s = env.reset()
            states[i] = s
            r_list.append(r)
            m_list.append(0.0 if done else 1.0)
        rewards.append(torch.tensor(r_list))
        masks.append(torch.tensor(m_list))
    with torch.no_grad():
        _, next_value = model(one_hot_states(states))
    R = next_value
    returns = []
    for step in reversed(range(n_steps)):
        R = rewards[step] + gamma * R * masks[step]
        returns.insert(0, R)
    returns = torch.stack(returns)
    values = torch.stack(values)
    log_probs = torch.stack(log_probs)
    entropy = torch.stack(entropies).mean()
    advantages = returns - values
    actor_loss = -(log_probs * advantages.detach()).mean()
    critic_loss = advantages.pow(2).mean()
    loss = actor_loss + 0.5 * critic_loss - 0.01 * entropy
    opt.zero_grad()
    loss.backward()
    total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
    opt.step()
    if update % 5 == 4:
        recent = episode_returns[-10:]
        print(f'update {update + 1:3d} loss {loss.item():.5f} actor {actor_loss.item():.5f} critic {critic_loss.item():.5f} '
              f'entropy {entropy.item():.5f} norm {total_norm:.4f} episodes {len(episode_returns)} '
              f'mean return {sum(recent) / max(len(recent), 1):.3f}')

with torch.no_grad():
    logits, v = model(torch.eye(7))
    print('values', v)
    print('policy', F.softmax(logits, dim=-1))
    print('log_softmax', F.log_softmax(logits, -1)[:2])
    d = Categorical(logits=logits)
    print('mode-ish', d.probs.argmax(-1), 'entropy', d.entropy().mean().item())
    print('returns shape', returns.shape, 'advantages dtype', advantages.dtype)
    print('masks', torch.stack(masks).T)
    print(torch.stack(rewards).sum(0), torch.stack(rewards).cumsum(0)[-1])

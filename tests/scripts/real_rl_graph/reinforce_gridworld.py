# REINFORCE with a Categorical policy on a tiny gridworld written in plain Python
import random
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical

torch.manual_seed(0)
random.seed(0)
np.random.seed(0)


class GridWorld:
    """4x4 grid, start at (0, 0), goal at (3, 3), a pit at (1, 2)."""
    def __init__(self, size=4):
        self.size = size
        self.reset()

    def reset(self):
        self.pos = [0, 0]
        self.t = 0
        return self.obs()

    def obs(self):
        s = np.zeros(self.size * self.size, dtype=np.float32)
        s[self.pos[0] * self.size + self.pos[1]] = 1.0
        return s

    def step(self, a):
        dr, dc = [(-1, 0), (1, 0), (0, -1), (0, 1)][a]
        self.pos[0] = min(max(self.pos[0] + dr, 0), self.size - 1)
        self.pos[1] = min(max(self.pos[1] + dc, 0), self.size - 1)
        self.t += 1
        if self.pos == [3, 3]:
            return self.obs(), 1.0, True
        if self.pos == [1, 2]:
            return self.obs(), -1.0, True
        return self.obs(), -0.01, self.t >= 20


class Policy(nn.Module):
    def __init__(self, n_in, n_actions, hidden=32):
        super().__init__()
        self.affine1 = nn.Linear(n_in, hidden)
        self.dropout = nn.Dropout(p=0.1)
        self.affine2 = nn.Linear(hidden, n_actions)
        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        x = self.affine1(x)
        x = self.dropout(x)
        x = F.relu(x)
        return F.softmax(self.affine2(x), dim=1)


policy = Policy(16, 4)
print(policy)
optimizer = optim.Adam(policy.parameters(), lr=1e-2)
eps = np.finfo(np.float32).eps.item()
gamma = 0.99


def select_action(state):
    state = torch.from_numpy(state).float().unsqueeze(0)
    probs = policy(state)
    m = Categorical(probs)
    action = m.sample()
    policy.saved_log_probs.append(m.log_prob(action))
    return action.item()


def finish_episode():
    R = 0
    returns = []
    for r in policy.rewards[::-1]:
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    policy_loss = []
    for log_prob, R in zip(policy.saved_log_probs, returns):
        policy_loss.append(-log_prob * R)
    optimizer.zero_grad()
    policy_loss = torch.cat(policy_loss).sum()
    policy_loss.backward()
    optimizer.step()
    del policy.rewards[:]
    del policy.saved_log_probs[:]
    return policy_loss.item()


env = GridWorld()
running_reward = 0.0
for i_episode in range(1, 41):
    state, ep_reward = env.reset(), 0
    for t in range(1, 21):
        action = select_action(state)
        state, reward, done = env.step(action)
        policy.rewards.append(reward)
        ep_reward += reward
        if done:
            break
    running_reward = 0.05 * ep_reward + (1 - 0.05) * running_reward
    if len(policy.rewards) < 2:
        policy.rewards.append(0.0)
        policy.saved_log_probs.append(policy.saved_log_probs[-1].detach())
    loss = finish_episode()
    if i_episode % 5 == 0:
        print(f'Episode {i_episode}\tLast reward: {ep_reward:.2f}\tAverage reward: {running_reward:.4f}\tloss {loss:.4f}\tsteps {t}')

policy.eval()
with torch.no_grad():
    grid = torch.eye(16)
    probs = policy(grid)
    print('probs shape', probs.shape, probs.dtype)
    print('greedy actions', probs.argmax(dim=1).view(4, 4))
    print('max prob', probs.max(dim=1).values.view(4, 4))
    dist = Categorical(probs=probs)
    print('entropy', dist.entropy()[:4])
    print('batch_shape', dist.batch_shape, 'event_shape', dist.event_shape)
    print('log_prob of 0', dist.log_prob(torch.zeros(16, dtype=torch.long))[:4])
    logits_dist = Categorical(logits=torch.log(probs))
    print('logits normalised', logits_dist.logits[0])
    print('sample', logits_dist.sample((3,)))
    print('probs sum', logits_dist.probs.sum(-1)[:3])
    print(Categorical(torch.tensor([0.25, 0.25, 0.5])))

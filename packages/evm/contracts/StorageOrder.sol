// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";

interface IPriceOracle {
    function getPrice(uint256 size, bool isPermanent) external view returns (uint256);
}

/// Takes a storage payment in the chain's native token and emits an Order event; the order node
/// named as merchant receives the price and places (and pays for) the matching order on Crust.
/// Same functions and event as Crust's StorageOrderCompatible, so a dApp written for it works.
contract StorageOrder is Initializable, OwnableUpgradeable, UUPSUpgradeable {
    IPriceOracle public priceOracle;
    mapping(address => bool) public nodes;
    address[] public nodeArray;

    event Order(address customer, address merchant, string cid, uint256 size, uint256 price, bool isPermanent);
    event OrderNodeAdded(address node);
    event OrderNodeRemoved(address node);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    function initialize(address owner_, address priceOracle_) public initializer {
        __Ownable_init(owner_);
        priceOracle = IPriceOracle(priceOracle_);
    }

    // Only the owner may replace the implementation (UUPS).
    function _authorizeUpgrade(address) internal override onlyOwner {}

    function setPriceOracle(address priceOracle_) external onlyOwner {
        priceOracle = IPriceOracle(priceOracle_);
    }

    function addOrderNode(address node) external onlyOwner {
        // An order node is an account that places orders on Crust, never a contract.
        require(node.code.length == 0, "Order node must not be a contract");
        require(!nodes[node], "Order node already added");
        nodes[node] = true;
        nodeArray.push(node);
        emit OrderNodeAdded(node);
    }

    function removeOrderNode(address node) external onlyOwner {
        require(nodes[node], "Unknown order node");
        nodes[node] = false;
        uint256 n = nodeArray.length;
        for (uint256 i = 0; i < n; i++) {
            if (nodeArray[i] == node) {
                nodeArray[i] = nodeArray[n - 1];
                nodeArray.pop();
                break;
            }
        }
        emit OrderNodeRemoved(node);
    }

    function getOrderNodes() external view returns (address[] memory) {
        return nodeArray;
    }

    function getPrice(uint256 size, bool isPermanent) public view returns (uint256) {
        return priceOracle.getPrice(size, isPermanent);
    }

    function placeOrder(string memory cid, uint256 size, bool isPermanent) external payable {
        uint256 n = nodeArray.length;
        require(n > 0, "No order node available");
        // Pseudo-random spread over the nodes, as Crust's contract does; not a security property.
        uint256 index = uint256(keccak256(abi.encodePacked(block.prevrandao, block.timestamp, cid))) % n;
        _placeOrder(cid, size, nodeArray[index], isPermanent);
    }

    function placeOrderWithNode(string memory cid, uint256 size, address node, bool isPermanent) public payable {
        _placeOrder(cid, size, node, isPermanent);
    }

    function _placeOrder(string memory cid, uint256 size, address node, bool isPermanent) internal {
        require(nodes[node], "Unsupported order node");
        uint256 price = getPrice(size, isPermanent);
        require(msg.value >= price, "Not enough value for the price");
        emit Order(msg.sender, node, cid, size, price, isPermanent);
        (bool paid, ) = payable(node).call{value: price}("");
        require(paid, "Payment to the order node failed");
        uint256 rest = msg.value - price;
        if (rest > 0) {
            (bool refunded, ) = payable(msg.sender).call{value: rest}("");
            require(refunded, "Refund failed");
        }
    }
}
